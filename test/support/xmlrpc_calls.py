# Calls every IM XML-RPC method with Python's standard xmlrpc.client, built as im_client builds
# it (ServerProxy(url, allow_none=True)), and prints one JSON document of the answers for
# test/api/xmlrpc-server.test.ts to assert on. Usage: xmlrpc_calls.py URL
import json, ssl, sys
from xmlrpc.client import Fault, ServerProxy

url = sys.argv[1]
ctx = ssl._create_unverified_context() if url.startswith("https") else None
s = ServerProxy(url, allow_none=True, context=ctx)
AUTH = [{"type": "InfrastructureManager", "username": "alice", "password": "s3cr;et=1"},
        {"id": "dummy", "type": "Dummy"}]
BOB = [{"type": "InfrastructureManager", "username": "bob", "password": "x"}, {"id": "dummy", "type": "Dummy"}]
CAROL = [{"type": "InfrastructureManager", "username": "carol", "password": "y"}]
RADL = """network pub (outbound = 'yes')
system web (
  cpu.count >= 1 and
  memory.size >= 2g and
  net_interface.0.connection = 'pub' and
  disk.0.os.credentials.username = 'ubuntu'
)
deploy web 1
"""
out = {}


def call(key, name, *args, proxy=None):
    try:
        out[key] = getattr(proxy or s, name)(*args)
    except Fault as f:
        out[key] = {"fault": [f.faultCode, f.faultString]}
    return out[key]


call("version", "GetVersion")
call("version_root", "GetVersion", proxy=ServerProxy(url.rstrip("/") + "/", context=ctx))
call("version_strict_client", "GetVersion", proxy=ServerProxy(url, allow_none=False, context=ctx))
ok, inf = call("create", "CreateInfrastructure", RADL, AUTH)
call("list", "GetInfrastructureList", AUTH)
call("list_nil", "GetInfrastructureList", AUTH, None)
call("list_match", "GetInfrastructureList", AUTH, "system web")
call("list_nomatch", "GetInfrastructureList", AUTH, "^no such text$")
call("list_bad_regex", "GetInfrastructureList", AUTH, "(")
call("info", "GetInfrastructureInfo", inf, AUTH)
call("state", "GetInfrastructureState", inf, AUTH)
call("radl", "GetInfrastructureRADL", inf, AUTH)
call("contmsg", "GetInfrastructureContMsg", inf, AUTH)
call("contmsg_header", "GetInfrastructureContMsg", inf, AUTH, True)
call("contmsg_false_text", "GetInfrastructureContMsg", inf, AUTH, "false")
call("contmsg_nil", "GetInfrastructureContMsg", inf, AUTH, None)
call("owners", "GetInfrastructureOwners", inf, AUTH)
call("vminfo", "GetVMInfo", inf, "0", AUTH)
call("vminfo_int", "GetVMInfo", inf, 0, AUTH)
call("vminfo_bad", "GetVMInfo", inf, "x", AUTH)
call("vmprop_state", "GetVMProperty", inf, "0", "state", AUTH)
call("vmprop_memory", "GetVMProperty", inf, "0", "memory.size", AUTH)
call("vmprop_absent", "GetVMProperty", inf, "0", "no.such.feature", AUTH)
call("vmcontmsg", "GetVMContMsg", inf, "0", AUTH)
call("add_nil_ctxt", "AddResource", inf, "system web\ndeploy web 1", AUTH, None)
call("contmsg_after_nil_add", "GetInfrastructureContMsg", inf, AUTH, True)
call("add_default", "AddResource", inf, "system web\ndeploy web 1", AUTH)
call("contmsg_after_default_add", "GetInfrastructureContMsg", inf, AUTH, True)
call("add_bad_radl", "AddResource", inf, "system web (\ncpu.count >= \n)\ndeploy web 1", AUTH)
call("remove_unknown", "RemoveResource", inf, "1,99", AUTH, None)
call("remove_str", "RemoveResource", inf, "1", AUTH, None)
call("remove_list", "RemoveResource", inf, ["2"], AUTH, False)
call("remove_bad_type", "RemoveResource", inf, {"a": 1}, AUTH)
call("info_after", "GetInfrastructureInfo", inf, AUTH)
call("alter", "AlterVM", inf, "0", "system web (\ncpu.count >= 2\n)", AUTH)
call("stop", "StopInfrastructure", inf, AUTH)
call("start", "StartInfrastructure", inf, AUTH)
call("stopvm", "StopVM", inf, "0", AUTH)
call("startvm", "StartVM", inf, 0, AUTH)
call("rebootvm", "RebootVM", inf, "0", AUTH)
call("snapshot", "CreateDiskSnapshot", inf, "0", 0, "img1", False, AUTH)
call("reconfigure", "Reconfigure", inf, "", AUTH, None)
call("reconfigure_list", "Reconfigure", inf, "", AUTH, [0])
call("images", "GetCloudImageList", "dummy", AUTH)
call("images_unknown", "GetCloudImageList", "nope", AUTH)
call("quotas", "GetCloudQuotas", "dummy", AUTH)
call("estimate", "EstimateResources", RADL, AUTH)
call("stats", "GetStats", "", None, AUTH)
call("stats_alias", "GetStat", "2000-01-01", "", AUTH)
call("stats_bad_date", "GetStats", "yesterday", "", AUTH)
call("other_user", "GetInfrastructureInfo", inf, CAROL)
call("change_auth", "ChangeInfrastructureAuth", inf,
     {"type": "InfrastructureManager", "username": "bob", "password": "x"}, False, AUTH)
call("owners_after", "GetInfrastructureOwners", inf, AUTH)
call("bob_state", "GetInfrastructureState", inf, BOB)
call("change_auth_bad", "ChangeInfrastructureAuth", inf, [{"type": "Dummy"}], False, AUTH)

# bad auth
call("auth_no_im", "GetInfrastructureList", [{"id": "dummy", "type": "Dummy"}])
call("auth_password_only", "GetInfrastructureList", [{"type": "InfrastructureManager", "password": "p"}])
call("auth_openid", "GetInfrastructureList", [{"type": "InfrastructureManager", "username": "__OPENID__x", "password": "p"}])
call("auth_bad_id", "GetInfrastructureList", AUTH + [{"id": "1abc", "type": "Dummy"}])
call("auth_string", "GetInfrastructureList", "type = InfrastructureManager; username = a; password = b")
call("auth_nil", "GetInfrastructureList", None)

# unknown ids, for every infId-taking method
unknown = {}
for name, args in [
    ("GetInfrastructureInfo", ("nope", AUTH)), ("GetInfrastructureState", ("nope", AUTH)),
    ("GetInfrastructureRADL", ("nope", AUTH)), ("GetInfrastructureContMsg", ("nope", AUTH)),
    ("GetInfrastructureOwners", ("nope", AUTH)), ("GetVMInfo", ("nope", "0", AUTH)),
    ("GetVMProperty", ("nope", "0", "state", AUTH)), ("GetVMContMsg", ("nope", "0", AUTH)),
    ("AlterVM", ("nope", "0", "system web ()", AUTH)), ("DestroyInfrastructure", ("nope", AUTH)),
    ("AddResource", ("nope", "deploy web 1", AUTH)), ("RemoveResource", ("nope", "0", AUTH)),
    ("StopInfrastructure", ("nope", AUTH)), ("StartInfrastructure", ("nope", AUTH)),
    ("StopVM", ("nope", "0", AUTH)), ("StartVM", ("nope", "0", AUTH)), ("RebootVM", ("nope", "0", AUTH)),
    ("Reconfigure", ("nope", "", AUTH)), ("ExportInfrastructure", ("nope", False, AUTH)),
    ("CreateDiskSnapshot", ("nope", "0", 0, "i", False, AUTH)),
    ("ChangeInfrastructureAuth", ("nope", [AUTH[0]], False, AUTH)),
]:
    try:
        unknown[name] = getattr(s, name)(*args)
    except Fault as f:
        unknown[name] = {"fault": [f.faultCode, f.faultString]}
out["unknown"] = unknown
call("unknown_int_id", "GetInfrastructureState", 12345, AUTH)

# invalid RADL and faults
call("create_bad_radl", "CreateInfrastructure", "system web (\ncpu.count >= \n)\ndeploy web 1", AUTH)
call("create_unknown_deploy", "CreateInfrastructure", "deploy ghost 1", AUTH)
call("fault_unknown", "NoSuchMethod")
call("fault_introspection", "system.listMethods")
call("fault_arity_many", "GetVersion", "x")
call("fault_arity_missing", "CreateInfrastructure", "radl")
call("fault_arity_missing3", "CreateDiskSnapshot", "a", "b", "c")

# export / import / destroy
ok, data = call("export", "ExportInfrastructure", inf, None, AUTH)
call("export_delete", "ExportInfrastructure", inf, True, AUTH)
call("info_exported", "GetInfrastructureInfo", inf, AUTH)
call("import", "ImportInfrastructure", data if ok else "", AUTH)
call("import_bad", "ImportInfrastructure", "{not json", AUTH)
call("state_imported", "GetInfrastructureState", inf, AUTH)
call("destroy", "DestroyInfrastructure", inf, AUTH, False)
call("info_destroyed", "GetInfrastructureInfo", inf, AUTH)
print(json.dumps(out, default=str))
