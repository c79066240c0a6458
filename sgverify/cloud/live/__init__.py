"""Live inventories: security groups, rules and interfaces read through the clouds'
official SDKs (``sgverify pull``, and ``aliyun://REGION[/VPC]`` / ``aws://REGION[/VPC]``
wherever an inventory is taken). Read calls only; see docs/pull.md."""
