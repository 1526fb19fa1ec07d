"""Virtual machines, their NICs and run-command, driven through azure-mgmt-compute and azure-mgmt-network."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.topology import LOCATION, build_estate, create_vm, run_shell


@pytest.fixture
def estate(clients):
    return build_estate(clients, routes=False)


def test_each_new_nic_gets_the_next_free_address_of_its_subnet_from_dot_four(clients, estate):
    _, first = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    _, second = create_vm(clients, estate.rg, "vm2", estate.vm_subnet_id)
    assert [first.ip_configurations[0].private_ip_address, second.ip_configurations[0].private_ip_address] == \
        ["10.2.0.4", "10.2.0.5"]


def test_a_static_address_already_held_in_the_subnet_is_refused(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    body = {"location": LOCATION, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
        "subnet": {"id": estate.vm_subnet_id}, "privateIPAllocationMethod": "Static", "privateIPAddress": "10.2.0.4"}}]}}
    with pytest.raises(HttpResponseError) as caught:
        clients.network.network_interfaces.begin_create_or_update(estate.rg, "dup-nic", body).result()
    assert caught.value.error.code == "PrivateIPAddressInUse"


def test_the_vm_shows_on_its_nic_and_the_nic_on_its_subnet(clients, estate):
    vm, nic = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    assert clients.network.network_interfaces.get(estate.rg, "vm1-nic").virtual_machine.id == vm.id
    subnet = clients.network.subnets.get(estate.rg, "spoke2", "vms")
    assert [c.id for c in subnet.ip_configurations] == [nic.ip_configurations[0].id]


def test_a_subnet_holding_a_vm_nic_cannot_be_deleted(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    with pytest.raises(HttpResponseError) as caught:
        clients.network.subnets.begin_delete(estate.rg, "spoke2", "vms").result()
    assert caught.value.error.code == "InUseSubnetCannotBeDeleted"


def test_a_nic_in_use_by_a_vm_cannot_be_deleted(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    with pytest.raises(HttpResponseError) as caught:
        clients.network.network_interfaces.begin_delete(estate.rg, "vm1-nic").result()
    assert caught.value.error.code == "NicInUse"


def test_deleting_the_vm_then_its_nic_frees_the_subnet(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    clients.compute.virtual_machines.begin_delete(estate.rg, "vm1").result()
    clients.network.network_interfaces.begin_delete(estate.rg, "vm1-nic").result()
    clients.network.subnets.begin_delete(estate.rg, "spoke2", "vms").result()
    assert [s.name for s in clients.network.virtual_networks.get(estate.rg, "spoke2").subnets] == []


def test_a_vm_on_a_missing_nic_is_refused(clients, estate):
    missing = f"/subscriptions/{estate.hub_id.split('/')[2]}/resourceGroups/{estate.rg}/providers/Microsoft.Network/networkInterfaces/ghost"
    body = {"location": LOCATION, "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"},
                                                 "networkProfile": {"networkInterfaces": [{"id": missing}]}}}
    with pytest.raises(HttpResponseError) as caught:
        clients.compute.virtual_machines.begin_create_or_update(estate.rg, "vm1", body).result()
    assert caught.value.error.code == "NotFound"


def test_the_admin_password_is_never_returned(clients, estate):
    vm, _ = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    assert vm.os_profile.admin_password is None
    assert clients.compute.virtual_machines.get(estate.rg, "vm1").os_profile.admin_password is None


def test_nslookup_of_a_public_name_answers_from_azure_dns(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "nslookup mcr.microsoft.com")
    assert message.startswith("Enable succeeded: \n[stdout]\nServer:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n")
    assert "Non-authoritative answer:\nName:\tmcr.microsoft.com\nAddress: " in message


def test_nslookup_names_the_custom_dns_server_the_vnet_points_at(clients, estate):
    create_vm(clients, estate.rg, "dns1", f"{estate.hub_id}/subnets/shared")
    spoke2 = {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]},
                                                   "subnets": [{"name": "vms", "properties": {"addressPrefix": "10.2.0.0/24"}}],
                                                   "dhcpOptions": {"dnsServers": ["10.0.2.4"]}}}
    clients.network.virtual_networks.begin_create_or_update(estate.rg, "spoke2", spoke2).result()
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    assert "\n[stdout]\nServer:\t\t10.0.2.4\nAddress:\t10.0.2.4#53\n" in run_shell(clients, estate.rg, "vm1", "nslookup mcr.microsoft.com")


def test_an_unknown_command_fails_as_bash_reports_it_while_the_run_still_succeeds(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "echo before", "kubectl get nodes")
    assert message == "Enable succeeded: \n[stdout]\nbefore\n\n[stderr]\nbash: line 2: kubectl: command not found\n"


def test_a_connection_straight_to_the_internet_succeeds_without_a_firewall(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "nc -vz -w 5 mcr.microsoft.com 443")
    assert "Connection to mcr.microsoft.com (" in message and ") 443 port [tcp/https] succeeded!" in message


def test_a_default_route_to_an_address_without_an_appliance_times_out(clients):
    estate = build_estate(clients)
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "nc -vz -w 5 mcr.microsoft.com 443",
                        "curl -sS --max-time 5 https://mcr.microsoft.com/v2/")
    assert message.endswith("[stderr]\nnc: connect to mcr.microsoft.com port 443 (tcp) timed out: Operation now in progress\n"
                            "curl: (28) Connection timed out after 5000 milliseconds\n")


def test_a_name_that_does_not_resolve_fails_each_tool_its_own_way(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "nc -vz -w 5 nothing-here 443", "curl -sS https://nothing-here/")
    assert 'nc: getaddrinfo for host "nothing-here" port 443: Name or service not known\n' in message
    assert "curl: (6) Could not resolve host: nothing-here\n" in message


def test_a_reserved_name_is_nxdomain_from_the_vnets_dns_server(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "nslookup api.example.invalid", "echo status=$?")
    assert "Server:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n\n** server can't find api.example.invalid: NXDOMAIN\n" in message
    assert "status=1\n" in message


def test_a_bash_dev_tcp_probe_that_cannot_connect_ends_with_the_timeout_status(clients):
    estate = build_estate(clients)
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    message = run_shell(clients, estate.rg, "vm1", "timeout 5 bash -c '</dev/tcp/mcr.microsoft.com/443' && echo open || echo closed=$?")
    assert message == "Enable succeeded: \n[stdout]\nclosed=124\n\n[stderr]\n"


def test_a_vm_read_with_expand_instance_view_shows_its_agent_disks_and_power_state(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    view = clients.compute.virtual_machines.get(estate.rg, "vm1", expand="instanceView").instance_view
    assert view.computer_name == "vm1"
    assert [s.display_status for s in view.vm_agent.statuses] == ["Ready"]
    assert [d.name for d in view.disks] == [clients.compute.virtual_machines.get(estate.rg, "vm1").storage_profile.os_disk.name]
    assert [s.code for s in view.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]


def test_a_vm_read_without_expand_has_no_instance_view(clients, estate):
    create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    assert clients.compute.virtual_machines.get(estate.rg, "vm1").instance_view is None


def _delete_vm_with(clients, estate, disk_option: str | None, nic_option: str | None):
    vm, _ = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    if disk_option:
        vm.storage_profile.os_disk.delete_option = disk_option
    if nic_option:
        vm.network_profile.network_interfaces[0].delete_option = nic_option
    vm = clients.compute.virtual_machines.begin_create_or_update(estate.rg, "vm1", vm).result()
    clients.compute.virtual_machines.begin_delete(estate.rg, "vm1").result()
    disks = {d.name: d for d in clients.compute.disks.list_by_resource_group(estate.rg)}
    nics = [n.name for n in clients.network.network_interfaces.list(estate.rg)]
    return vm.storage_profile.os_disk.name, disks, nics


def test_a_new_vm_gets_its_os_disk_as_a_managed_disk_attached_to_it(clients, estate):
    vm, _ = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    disk = clients.compute.disks.get(estate.rg, vm.storage_profile.os_disk.name)
    assert (disk.managed_by, disk.disk_state) == (vm.id, "Attached")
    assert disk.id.lower() == vm.storage_profile.os_disk.managed_disk.id.lower()


def test_deleting_a_vm_keeps_its_disk_unattached_and_its_nic_by_default(clients, estate):
    disk_name, disks, nics = _delete_vm_with(clients, estate, None, None)
    assert (disks[disk_name].managed_by, disks[disk_name].disk_state) == (None, "Unattached")
    assert nics == ["vm1-nic"]


def test_deleting_a_vm_with_delete_options_removes_its_disk_and_nic(clients, estate):
    _, disks, nics = _delete_vm_with(clients, estate, "Delete", "Delete")
    assert (disks, nics) == ({}, [])


def test_an_attached_disk_cannot_be_deleted(clients, estate):
    vm, _ = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    with pytest.raises(HttpResponseError) as caught:
        clients.compute.disks.begin_delete(estate.rg, vm.storage_profile.os_disk.name).result()
    assert caught.value.error.code == "OperationNotAllowed"
