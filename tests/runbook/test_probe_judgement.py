"""The API server probe counts any HTTP answer from kube-apiserver, 401 included, as reached: a cluster that refuses
anonymous requests is still reachable through the firewall."""

from aksegress.vm_probes import command_output, probe_passed

UNAUTHORIZED = ('Enable succeeded: \n[stdout]\n{\n  "kind": "Status",\n  "apiVersion": "v1",\n  "metadata": {},\n'
                '  "status": "Failure",\n  "message": "Unauthorized",\n  "reason": "Unauthorized",\n  "code": 401\n}\n\n[stderr]\n')


def test_a_401_from_the_api_server_counts_as_reached():
    assert probe_passed("API server responds", command_output(UNAUTHORIZED)[0], "10.1.0.4")


def test_a_curl_timeout_does_not():
    timed_out = "Enable succeeded: \n[stdout]\n\n[stderr]\ncurl: (28) Connection timed out after 10000 milliseconds\n"
    assert not probe_passed("API server responds", command_output(timed_out)[0], "10.1.0.4")
