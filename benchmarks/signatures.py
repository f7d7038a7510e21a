# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Benchmark signature verification through a real glare-api.

    python -m benchmarks.signatures [--size MiB] [--upload-size MiB]
        [--rounds N] [--methods SHA-256,SHA-512] [--no-check] [--keep]

glare-api runs as a subprocess (benchmarks/server.py: SQLite, noauth, the
file store, one worker). An RSA-3072 key and its self-signed certificate
are made here and the certificate put in the project's trust store.

Phase "verify": one ``images`` artifact gets a --size MiB (1024) blob;
for each hash method its signature (RSA-PSS over the digest the client
computes) is sent to PUT .../signatures/image --rounds times (a draft:
each replaces the record). The service reads the stored data once and
hashes it in a thread of its own while it reads on; the ceiling is the
method's hash on one core (hashlib over the same bytes, sampled next to
every round: the machine may be shared, the best sample counts, as the
best round does). Target (issue 16): >= 0.9 x that rate.

Phase "upload": for each hash method, --rounds pairs of uploads of
--upload-size MiB (1024) into new images: one without signature keys in
its metadata, then one with the Glance-style keys (img_signature*) of a
signature of the data, which the service verifies as the data streams.
The best of each; target: signed >= 0.9 x unsigned (the hash joins the
digests an upload computes anyway, sha256 is one of them: no second pass
over the data). Uploads are sent with sendfile() from a file of the data
in the page cache; each artifact is deleted after its round (its data
with it). The CPU time the server's processes spend per MiB is measured
around each upload (the least of the rounds is shown): a signed upload's
extra is the hash method's own cost on one core (nothing for SHA-256),
whatever else the machine runs.

Prints MiB/s, ratios, the load average before and after; exits 1 when a
target is missed, unless --no-check.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import sys
import time

import psutil

from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID

from benchmarks import blobs as blob_bench
from benchmarks import report as report_lib
from benchmarks import server as bench_server

MIB = blob_bench.MIB
TYPE = blob_bench.TYPE
FIELD = blob_bench.FIELD
PATTERN = blob_bench.PATTERN
HASHES = {'SHA-256': ('sha256', hashes.SHA256),
          'SHA-384': ('sha384', hashes.SHA384),
          'SHA-512': ('sha512', hashes.SHA512)}
#: (label, unit, op, target) of each phase; one line per hash method
TARGETS = {
    'verify': ('PUT signatures / %s on one core', 'ratio', '>=', 0.90),
    'upload': ('signed %s / unsigned upload', 'ratio', '>=', 0.90),
}


# -- keys and signatures -----------------------------------------------------

def make_signer():
    """(private key, PEM of its self-signed certificate)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         'benchmark signer')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def digest_of(data, size, hash_method):
    """(digest, MiB/s of hashlib on one core) of the blob's bytes."""
    h = hashlib.new(HASHES[hash_method][0])
    t = time.perf_counter()
    for piece in data.pieces(size, PATTERN):
        h.update(piece)
    return h.digest(), size / MIB / (time.perf_counter() - t)


def sign_digest(key, digest, hash_method):
    """base64 of an RSA-PSS signature over a digest (as openssl makes)."""
    algorithm = HASHES[hash_method][1]()
    raw = key.sign(digest, padding.PSS(mgf=padding.MGF1(algorithm),
                                       salt_length=padding.PSS.MAX_LENGTH),
                   asym_utils.Prehashed(algorithm))
    return base64.b64encode(raw).decode('ascii')


# -- the run ------------------------------------------------------------------

def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', type=int, default=1024,
                   help='MiB of the blob whose signature is verified '
                        '(default 1024)')
    p.add_argument('--upload-size', type=int, default=1024,
                   help='MiB of each image uploaded (default 1024)')
    p.add_argument('--rounds', type=int, default=3,
                   help='verifications and upload pairs timed per hash '
                        'method; the best counts (default 3)')
    p.add_argument('--methods', default='SHA-256,SHA-512',
                   help='hash methods, comma separated (default '
                        'SHA-256,SHA-512)')
    report_lib.add_run_options(
        p, 'keep the temp state dir (config, database, logs)')
    args = p.parse_args(argv)
    args.methods = [m.strip() for m in args.methods.split(',') if m.strip()]
    for method in args.methods:
        if method not in HASHES:
            p.error('unknown hash method %s (%s)' % (method,
                                                      ', '.join(HASHES)))
    if args.size < 4 or args.upload_size < 4:
        p.error('sizes are at least 4 (MiB)')
    return args


def _new_image(client, name, metadata=None):
    return client.json('POST', '/artifacts/%s' % TYPE, {
        'name': name, 'version': '1.0.0', 'metadata': metadata or {}},
        expect=201)['id']


def _delete(client, artifact_id):
    client.json('DELETE', '/artifacts/%s/%s' % (TYPE, artifact_id),
                expect=204)


def _loadavg():
    return '%.2f %.2f %.2f' % os.getloadavg()


class ServerCpu:
    """CPU seconds (user + system) the glare-api processes used."""

    def __init__(self, pid):
        self.root = psutil.Process(pid)

    def __call__(self):
        total = 0.0
        for proc in [self.root] + self.root.children(recursive=True):
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total


def verify_phase(args, client, data, key, entry_id, res):
    size = args.size * MIB
    report_lib.log('verify: %d MiB blob' % args.size)
    artifact_id = _new_image(client, 'bench-verify')
    blob_file = os.path.join(res['state'], 'verify.data')
    data.write(blob_file, size)
    with open(blob_file, 'rb') as source:
        client.upload('/artifacts/%s/%s/%s' % (TYPE, artifact_id, FIELD),
                      size, file=source)
    os.unlink(blob_file)
    path = '/artifacts/%s/%s/signatures/%s' % (TYPE, artifact_id, FIELD)
    for method in args.methods:
        digest, rate = digest_of(data, size, method)
        body = {'signature': sign_digest(key, digest, method),
                'hash_method': method, 'key_type': 'RSA-PSS',
                'certificate_id': entry_id}
        rates, times = [rate], []
        for _i in range(args.rounds):
            t = time.perf_counter()
            doc = client.json('PUT', path, body)
            times.append(time.perf_counter() - t)
            if doc['signatures'][FIELD]['hash_method'] != method:
                raise RuntimeError('not recorded: %s' % doc['signatures'])
            rates.append(digest_of(data, size, method)[1])
        res['verify'][method] = {
            'rate': args.size / min(times), 'hash': max(rates),
            'all': [args.size / t for t in times], 'hash_all': rates}
    _delete(client, artifact_id)


def upload_phase(args, client, data, key, entry_id, res, server_cpu):
    size = args.upload_size * MIB
    report_lib.log('upload: %d MiB images, signed and unsigned' %
                   args.upload_size)
    blob_file = os.path.join(res['state'], 'upload.data')
    data.write(blob_file, size)
    # warm up: the first upload loads the code paths
    warm = _new_image(client, 'bench-warm-up')
    client.upload('/artifacts/%s/%s/%s' % (TYPE, warm, FIELD), 4 * MIB,
                  pieces=data.pieces(4 * MIB))
    _delete(client, warm)
    with open(blob_file, 'rb') as source:
        for method in args.methods:
            digest, _rate = digest_of(data, size, method)
            metadata = {
                'img_signature': sign_digest(key, digest, method),
                'img_signature_hash_method': method,
                'img_signature_key_type': 'RSA-PSS',
                'img_signature_certificate_uuid': entry_id}
            plain, signed, cpu = [], [], {'plain': [], 'signed': []}
            for i in range(args.rounds):
                for label, meta, times in (('plain', None, plain),
                                           ('signed', metadata, signed)):
                    artifact_id = _new_image(
                        client, 'bench-%s-%s-%d' % (label, method, i), meta)
                    before = server_cpu()
                    took, _cpu, doc = client.upload(
                        '/artifacts/%s/%s/%s' % (TYPE, artifact_id, FIELD),
                        size, file=source)
                    cpu[label].append((server_cpu() - before) * 1000 /
                                      args.upload_size)
                    recorded = FIELD in doc['signatures']
                    if recorded != (meta is not None):
                        raise RuntimeError('%s upload: signatures %s' % (
                            label, json.dumps(doc['signatures'])))
                    times.append(took)
                    _delete(client, artifact_id)
            res['upload'][method] = {
                'cpu_plain': min(cpu['plain']),
                'cpu_signed': min(cpu['signed']),
                'hash_ms': 1000.0 / digest_of(data, 256 * MIB, method)[1],
                'plain': args.upload_size / min(plain),
                'signed': args.upload_size / min(signed),
                'plain_all': [args.upload_size / t for t in plain],
                'signed_all': [args.upload_size / t for t in signed]}
    os.unlink(blob_file)


def run(args):
    res = {'size_mib': args.size, 'upload_mib': args.upload_size,
           'verify': {}, 'upload': {}, 'load_before': _loadavg(),
           'cpus': os.cpu_count()}
    data = blob_bench.Data()
    key, cert_pem = make_signer()
    with bench_server.Server(workers=1, keep=args.keep) as srv:
        report_lib.log('glare-api %s, state in %s' % (srv.url, srv.state))
        res['state'] = srv.state
        client = blob_bench.Client(srv.url)
        entry_id = client.json('POST', '/trust/certificates', {
            'name': 'benchmark signer', 'pem': cert_pem}, expect=201)['id']
        verify_phase(args, client, data, key, entry_id, res)
        upload_phase(args, client, data, key, entry_id, res,
                     ServerCpu(srv.proc.pid))
        client.close()
    res['load_after'] = _loadavg()
    return res


def report(res):
    print()
    print('machine: %d CPUs; load average before %s, after %s' % (
        res['cpus'], res['load_before'], res['load_after']))
    print()
    print('%-40s %9s  %s' % ('MiB/s', 'measured', 'ratio'))
    targets, measured = {}, {}
    for method, fig in res['verify'].items():
        ratio = fig['rate'] / fig['hash']
        label, unit, op, target = TARGETS['verify']
        targets['verify ' + method] = (label % method, unit, op, target)
        measured['verify ' + method] = ratio
        print('%-40s %9.0f' % ('%s on one core' % method, fig['hash']))
        print('%-40s %9.0f  %.2f of %s' % (
            'PUT signatures, %d MiB, %s' % (res['size_mib'], method),
            fig['rate'], ratio, method))
        print('  %-38s %s' % ('each round', ' '.join(
            '%.0f' % r for r in fig['all'])))
    for method, fig in res['upload'].items():
        ratio = fig['signed'] / fig['plain']
        label, unit, op, target = TARGETS['upload']
        targets['upload ' + method] = (label % method, unit, op, target)
        measured['upload ' + method] = ratio
        print('%-40s %9.0f' % ('image upload %d MiB, unsigned' %
                               res['upload_mib'], fig['plain']))
        print('%-40s %9.0f  %.2f of unsigned' % (
            'image upload %d MiB, signed %s' % (res['upload_mib'], method),
            fig['signed'], ratio))
        print('  %-38s %s' % ('each round, unsigned', ' '.join(
            '%.0f' % r for r in fig['plain_all'])))
        print('  %-38s %s' % ('each round, signed', ' '.join(
            '%.0f' % r for r in fig['signed_all'])))
        print('  %-38s %.2f unsigned, %.2f signed (+%.2f; %s alone: '
              '%.2f)' % ('server CPU ms per MiB', fig['cpu_plain'],
                         fig['cpu_signed'],
                         fig['cpu_signed'] - fig['cpu_plain'], method,
                         fig['hash_ms'] if method != 'SHA-256' else 0.0))
    return report_lib.check_targets(targets, measured, width=40, digits=2)


def main(argv=None):
    args = _args(argv)
    res = run(args)
    return report_lib.exit_status(report(res), args.no_check)


if __name__ == '__main__':
    sys.exit(main())
