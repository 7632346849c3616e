# Reads an IMDS endpoint the way cloud-init's EC2 datasource does (cloudinit.sources.helpers.ec2,
# Debian package cloud-init) and prints every URL it fetched with the bytes it got, as JSON.
# Usage: /usr/bin/python3 cloudinitCrawl.py http://127.0.0.1:PORT
import base64
import json
import sys
import urllib.request

from cloudinit import url_helper
from cloudinit.sources.helpers import ec2

endpoint = sys.argv[1]

# IMDSv2 as cloud-init's DataSourceEc2 does it: one token, sent through headers_cb.
put = urllib.request.Request(endpoint + "/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
token = urllib.request.urlopen(put, timeout=5).read().decode()


def headers_cb(_url):
    return {"X-aws-ec2-metadata-token": token}


reads = {}
original = url_helper.read_file_or_url


def recording(url, *args, **kwargs):
    response = original(url, *args, **kwargs)
    reads[url] = base64.b64encode(bytes(response.contents)).decode()
    return response


url_helper.read_file_or_url = recording

common = dict(metadata_address=endpoint, api_version="latest", headers_cb=headers_cb, retries=0, timeout=5)
metadata = ec2.get_instance_metadata(**common)
identity = ec2.get_instance_identity(**common)
userdata = ec2.get_instance_userdata(**common)
json.dump({"reads": reads, "metadataKeys": sorted(metadata.keys()), "identityKeys": sorted(identity.keys()), "userdataBytes": len(userdata)}, sys.stdout)
