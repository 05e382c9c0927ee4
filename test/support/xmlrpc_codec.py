# Codec interop helper for test/api/xmlrpc-codec.test.ts, using only Python's xmlrpc.client.
#   dump  : prints methodCall XML for a fixed set of values covering every type Python emits
#   load  : reads a methodResponse from stdin and prints its value as JSON (types tagged)
import base64, datetime, json, sys
import xmlrpc.client as x


def tagged(v):
    if v is None:
        return {"nil": True}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"double": v}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, (list, tuple)):
        return {"array": [tagged(i) for i in v]}
    if isinstance(v, dict):
        return {"struct": {k: tagged(i) for k, i in v.items()}}
    if isinstance(v, x.DateTime):
        return {"date": v.value}
    if isinstance(v, x.Binary):
        return {"base64": base64.b64encode(v.data).decode()}
    return {"other": repr(v)}


if sys.argv[1] == "dump":
    params = (
        42, -7, True, False, 1.5, "a<b>&c \u00e9\u20ac\U0001F600 line1\nline2",
        None, [1, "two", [3]], {"k": "v", "n": 2}, x.DateTime(datetime.datetime(2024, 1, 2, 3, 4, 5)),
        x.Binary(b"\x00\x01binary"), "",
    )
    sys.stdout.write(x.dumps(params, methodname="Everything", allow_none=True))
elif sys.argv[1] == "load":
    data = sys.stdin.buffer.read()
    try:
        params, _ = x.loads(data)
        print(json.dumps({"value": tagged(params[0])}))
    except x.Fault as f:
        print(json.dumps({"fault": [f.faultCode, f.faultString]}))
