"""Azure's built-in role definitions the runbook meets, with the permissions Microsoft publishes for them.

Source: Microsoft's built-in roles list (learn.microsoft.com/azure/role-based-access-control/built-in-roles);
tests/emulator/data/built_in_roles.json is a copy of it with its origin, and a test holds this table to it.
"""

from __future__ import annotations

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"

_READS = ["Microsoft.Authorization/*/read"]
_SUPPORT = ["Microsoft.Insights/alertRules/*", "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"]

BUILT_IN_ROLES: dict[str, tuple[str, str, list[str], list[str]]] = {
    OWNER: (
        "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        ["*"], []),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": (
        "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure "
                       "RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        ["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
                "Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action",
                "Microsoft.Subscription/enable/action"]),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": (
        "Reader", "View all resources, but does not allow you to make any changes.", ["*/read"], []),
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": (
        "User Access Administrator", "Lets you manage user access to Azure resources.",
        ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], []),
    RBAC_ADMINISTRATOR: (
        "Role Based Access Control Administrator",
        "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage "
        "access using other ways, such as Azure Policy.",
        ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read",
         "Microsoft.Support/*"], []),
    NETWORK_CONTRIBUTOR: (
        "Network Contributor", "Lets you manage networks, but not access to them.",
        [*_READS, "Microsoft.Insights/alertRules/*", "Microsoft.Network/*", *_SUPPORT[1:]], []),
    "b12aa53e-6015-4669-85d0-8515ebb3ae7f": (
        "Private DNS Zone Contributor", "Lets you manage private DNS zone resources, but not the virtual networks "
                                        "they are linked to.",
        ["Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
         "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*",
         "Microsoft.Network/privateDnsZones/*", "Microsoft.Network/privateDnsOperationResults/*",
         "Microsoft.Network/privateDnsOperationStatuses/*", "Microsoft.Network/virtualNetworks/read",
         "Microsoft.Network/virtualNetworks/join/action", *_READS], []),
    "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8": (
        "Azure Kubernetes Service Contributor Role", "Grants access to read and write Azure Kubernetes Service clusters",
        ["Microsoft.ContainerService/managedClusters/read", "Microsoft.ContainerService/managedClusters/write",
         "Microsoft.Resources/deployments/*"], []),
    "9980e02c-c2be-4d73-94e8-173b1dc7cf3c": (
        "Virtual Machine Contributor", "Lets you manage virtual machines, but not access to them, and not the virtual "
                                       "network or storage account they're connected to.",
        [*_READS, "Microsoft.Compute/availabilitySets/*", "Microsoft.Compute/locations/*",
         "Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/virtualMachineScaleSets/*",
         "Microsoft.Compute/disks/write", "Microsoft.Compute/disks/read", "Microsoft.Compute/disks/delete",
         "Microsoft.DevTestLab/schedules/*", "Microsoft.Insights/alertRules/*",
         *(f"Microsoft.Network/{pool}/join/action" for pool in (
             "applicationGateways/backendAddressPools", "loadBalancers/backendAddressPools",
             "loadBalancers/inboundNatPools", "loadBalancers/inboundNatRules", "loadBalancers/probes")),
         "Microsoft.Network/loadBalancers/read", "Microsoft.Network/locations/*", "Microsoft.Network/networkInterfaces/*",
         "Microsoft.Network/networkSecurityGroups/join/action", "Microsoft.Network/networkSecurityGroups/read",
         "Microsoft.Network/publicIPAddresses/join/action", "Microsoft.Network/publicIPAddresses/read",
         "Microsoft.Network/virtualNetworks/read", "Microsoft.Network/virtualNetworks/subnets/join/action",
         "Microsoft.RecoveryServices/locations/*",
         *(f"Microsoft.RecoveryServices/Vaults/{what}" for what in (
             "backupFabrics/backupProtectionIntent/write", "backupFabrics/protectionContainers/protectedItems/*/read",
             "backupFabrics/protectionContainers/protectedItems/read",
             "backupFabrics/protectionContainers/protectedItems/write", "backupPolicies/read", "backupPolicies/write",
             "read", "usages/read", "write")),
         "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
         "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.SqlVirtualMachine/*",
         "Microsoft.Storage/storageAccounts/listKeys/action", "Microsoft.Storage/storageAccounts/read",
         "Microsoft.Support/*"], []),
}
