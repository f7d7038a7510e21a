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

"""glare-bundle: export, import, verify, push and pull bundles.

    glare-bundle export TYPE ID [-o FILE] [--no-dependencies]
                        [--sign-key KEY [--sign-key-password-file FILE]
                         [--hash-method SHA-256|SHA-384|SHA-512]]
    glare-bundle import FILE [--dry-run] [--on-conflict fail|skip]
    glare-bundle verify FILE [--cert CERT]
    glare-bundle push FILE oci://HOST[:PORT]/REPO:TAG [--insecure] [LOGIN]
    glare-bundle pull oci://HOST[:PORT]/REPO:TAG FILE [--insecure] [LOGIN]

LOGIN: --registry-username NAME with --registry-password PASSWORD or
--registry-password-stdin (else the environment, else a docker/podman
auth file: glare.cmd.bundle_registry_auth).

export and import talk to Glare with the usual OpenStack options (see
glare.cmd.bundle_auth); verify is offline; push and pull talk to an OCI
registry only (glare.cmd.bundle_oci). export --sign-key signs the
bundle's index as it is written, verify --cert checks that signature
(glare.bundles.signing; keys: glare.cmd.bundle_sign). Every failure ends
the program with
exit code 1 and one line on stderr, "glare-bundle: error: ..."; a bad
command line with exit code 2 (argparse's usage message).
"""

import argparse
import json
import logging
import os
import sys

from glare.bundles import layout
from glare.bundles import reader
from glare.bundles import signing
from glare.cmd import bundle_auth
from glare.cmd import bundle_io
from glare.cmd import bundle_oci
from glare.cmd import bundle_registry_auth
from glare.cmd import bundle_sign
from glare.common import crypto

PROG = 'glare-bundle'
#: the microversion that has bundles (CATALOG.md §2)
API_VERSION = 'artifact 1.3'
CHUNK = 1024 * 1024


class Failure(Exception):
    """The one line a failed command prints."""


# -- talking to Glare ------------------------------------------------------

def _request(api, method, path, **kwargs):
    headers = dict(kwargs.pop('headers', {}))
    headers.setdefault('OpenStack-API-Version', API_VERSION)
    resp = api.session.request(api.endpoint + path, method, headers=headers,
                               raise_exc=False, **kwargs)
    if resp.status_code >= 400:
        raise Failure(bundle_auth.response_error(resp))
    return resp


def _check_name(value, what):
    if not value or '/' in value or value in ('.', '..'):
        raise Failure('%s %r is not a valid path segment' % (what, value))
    return value


def cmd_export(args):
    if args.output in (None, '-') and sys.stdout.isatty():
        raise Failure('refusing to write a bundle to a terminal; give '
                      '-o FILE or redirect the output')
    signer = None
    if args.sign_key is not None:
        signer = bundle_sign.Signer(args.sign_key,
                                    args.sign_key_password_file,
                                    args.hash_method)
    elif args.sign_key_password_file is not None:
        raise Failure('--sign-key-password-file goes with --sign-key')
    api = bundle_auth.connect(args)
    path = '/artifacts/%s/%s/bundle?dependencies=%s' % (
        _check_name(args.type_name, 'type'),
        _check_name(args.artifact_id, 'id'),
        'none' if args.no_dependencies else 'closure')
    resp = _request(api, 'GET', path, stream=True)
    length = resp.headers.get('Content-Length')
    total = int(length) if length and length.isdigit() else None
    with bundle_io.output(args.output) as out, bundle_io.progress(
            'export', total) as bar:
        received = 0

        def chunks():
            nonlocal received
            for chunk in resp.iter_content(CHUNK):
                received += len(chunk)
                bar.update(len(chunk))
                yield chunk

        def written(stream):
            for chunk in stream:
                out.write(chunk)
                yield chunk
        stream = chunks()
        if signer is not None:
            # the index is re-written signed as it goes by; the rest of
            # the stream is passed on as it comes
            stream = signing.sign_stream(stream, signer)
        # write and verify in one pass: the file is kept only whole
        try:
            events = _verify_events(written(stream), signer and
                                    signer.trust)
        finally:
            resp.close()
        if total is not None and received != total:
            raise Failure('the export ended after %d of %d bytes'
                          % (received, total))
    root = events['root']
    _say('exported %s/%s with %d artifact(s), %d bytes%s%s' % (
        root.type_name, root.id, events['artifacts'], received,
        '' if args.output in (None, '-') else ' to %s' % args.output,
        '' if signer is None else ', index signed by key %s (%s, %s)' % (
            signer.fingerprint, events['signature'].key_type,
            signer.hash_method)))


def cmd_import(args):
    size = bundle_io.file_size(args.file)
    api = bundle_auth.connect(args)
    query = '?on_conflict=%s' % args.on_conflict
    if args.dry_run:
        query += '&dry_run=true'
    with open(args.file, 'rb') as f, bundle_io.progress(
            'import', size) as bar:
        resp = _request(api, 'POST', '/artifacts/import' + query,
                        data=bundle_io.Body(bundle_io.read_chunks(f, bar),
                                            size),
                        headers={'Content-Type': layout.BUNDLE_MEDIA_TYPE})
    try:
        result = resp.json()
    except ValueError:
        raise Failure('the import answered %d with no JSON document'
                      % resp.status_code) from None
    if args.json:
        _print(json.dumps(result, indent=2, sort_keys=True))
        return
    prefix = 'would import' if result.get('dry_run') else 'imported'
    for key, verb in (('imported', prefix), ('skipped', 'skipped')):
        for art in result.get(key) or ():
            _print('%s %s/%s %s %s' % (verb, art.get('type_name'),
                                      art.get('id'), art.get('name'),
                                      art.get('version')))
    for dropped in result.get('signatures_dropped') or ():
        _print('signature dropped: %s/%s %s: %s' % (
            dropped.get('type_name'), dropped.get('id'),
            dropped.get('blob'), dropped.get('reason')))
    _print('%d imported, %d skipped%s' % (
        len(result.get('imported') or ()), len(result.get('skipped') or ()),
        ' (dry run: nothing written)' if result.get('dry_run') else ''))


# -- offline ---------------------------------------------------------------

def _verify_events(chunks, trust=None):
    """Read a whole bundle with glare.bundles.reader: every digest, the
    layout and the records; and the signature of the index, checked with
    trust (a crypto.Trust) when given: a bundle without one is refused
    then. {'root', 'artifacts', 'blobs', 'bytes', 'signature'}."""
    summary = {'root': None, 'artifacts': 0, 'blobs': 0, 'bytes': 0,
               'signature': None}
    try:
        for event in reader.read_bundle(chunks):
            if event.kind == 'index':
                summary['root'] = event.root
                summary['signature'] = _signature(event.document, trust)
            elif event.kind == 'artifact':
                summary['artifacts'] += 1
            elif event.kind == 'blob':
                summary['blobs'] += 1
                summary['bytes'] += event.size
                for _chunk in event.chunks:
                    pass
    except layout.LayoutError as e:
        raise Failure('not a valid bundle: %s' % e) from e
    return summary


def _signature(index, trust):
    """The index's signing.Signature (None: unsigned), verified with
    trust when given; before any blob is read."""
    try:
        if trust is not None:
            return signing.verify_index(index, trust)
        return signing.signature_of(index)
    except crypto.CryptoError as e:
        raise Failure('the signature of the bundle does not check out: %s'
                      % e) from e


def cmd_verify(args):
    trust = None if args.cert is None else bundle_sign.trust(args.cert)
    size = bundle_io.file_size(args.file)
    with open(args.file, 'rb') as f, bundle_io.progress(
            'verify', size) as bar:
        summary = _verify_events(bundle_io.read_chunks(f, bar), trust)
    root = summary['root']
    signature = summary['signature']
    signed = ''
    if signature is not None:
        signed = '; index signed by key %s (%s, %s), %s' % (
            signature.fingerprint_sha256, signature.key_type,
            signature.hash_method, 'verified with %s' % args.cert
            if trust is not None else 'not checked (give --cert)')
    _print('%s: valid bundle of %d artifact(s) (root %s/%s %s %s), %d '
          'blob(s) of %d bytes%s' % (
              args.file, summary['artifacts'], root.type_name, root.id,
              root.name, root.version, summary['blobs'], summary['bytes'],
              signed))


def _registry_credentials(args):
    """The registry login of the command line or environment (None: the
    auth files, when the registry asks)."""
    return bundle_registry_auth.from_arguments(args, os.environ, sys.stdin)


def cmd_push(args):
    ref = bundle_oci.Reference.parse(args.reference, args.insecure)
    size = bundle_io.file_size(args.file)
    credentials = _registry_credentials(args)
    with open(args.file, 'rb') as f, bundle_io.progress('push', size) as bar:
        result = bundle_oci.push(ref, bundle_io.read_chunks(f, bar),
                                 args.chunk_size, credentials)
    _print('pushed %s: %d manifest(s), %d blob(s) uploaded, %d already '
          'there; index %s' % (ref, result.manifests, result.uploaded,
                               result.existing, result.index_digest))


def cmd_pull(args):
    ref = bundle_oci.Reference.parse(args.reference, args.insecure)
    if args.output in (None, '-') and sys.stdout.isatty():
        raise Failure('refusing to write a bundle to a terminal; give '
                      'a FILE or redirect the output')
    credentials = _registry_credentials(args)
    with bundle_io.output(args.output) as out:
        result = bundle_oci.pull(ref, out, bundle_io.progress, credentials)
    _say('pulled %s: %d artifact(s), %d bytes%s (index %s)' % (
        ref, result.manifests, result.size,
        '' if args.output in (None, '-') else ' to %s' % args.output,
        result.index_digest))


def _write(stream, line):
    stream.write(line + '\n')
    stream.flush()


def _print(line):
    _write(sys.stdout, line)


def _say(line):
    """A summary line, on stderr: stdout may carry the bundle."""
    _write(sys.stderr, line)


# -- the command line ------------------------------------------------------

def _size(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError('%r is not a positive number of '
                                         'bytes' % text)
    return value


def parser():
    p = argparse.ArgumentParser(
        prog=PROG, description='Export, import, verify and move Glare '
        'bundles (an artifact with its dependencies as an OCI image '
        'layout in a tar).')
    bundle_auth.add_arguments(p)
    p.add_argument('--debug', action='store_true',
                   help='log the HTTP requests; a traceback on failure')
    sub = p.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True

    c = sub.add_parser('export', help='download an artifact with its '
                       'dependencies as a bundle')
    c.add_argument('type_name', metavar='TYPE')
    c.add_argument('artifact_id', metavar='ID')
    c.add_argument('-o', '--output', metavar='FILE',
                   help='the bundle file (default: standard output)')
    c.add_argument('--no-dependencies', action='store_true',
                   help='the artifact alone, not its dependency closure')
    c.add_argument('--sign-key', metavar='KEY',
                   help='sign the bundle\'s index with this private key '
                   '(PEM: RSA, signed with RSA-PSS, or ECDSA on P-256, '
                   'P-384 or P-521)')
    c.add_argument('--sign-key-password-file', metavar='FILE',
                   help='the password of an encrypted KEY, on the first '
                   'line of FILE')
    c.add_argument('--hash-method', choices=tuple(crypto.HASH_METHODS),
                   default=signing.DEFAULT_HASH_METHOD,
                   help='the hash of the signature (default %(default)s)')
    c.set_defaults(func=cmd_export)

    c = sub.add_parser('import', help='upload a bundle to Glare')
    c.add_argument('file', metavar='FILE')
    c.add_argument('--dry-run', action='store_true',
                   help='report what would be imported; write nothing')
    c.add_argument('--on-conflict', choices=('fail', 'skip'),
                   default='fail', help='an id that exists with other '
                   'content: fail the import (default) or skip it')
    c.add_argument('--json', action='store_true',
                   help="print the API's result document")
    c.set_defaults(func=cmd_import)

    c = sub.add_parser('verify', help='check a bundle file offline: '
                       'every digest, the layout, the records, and the '
                       'signature of its index')
    c.add_argument('file', metavar='FILE')
    c.add_argument('--cert', metavar='CERT',
                   help='check that the index is signed by the key of this '
                   'certificate or public key (PEM); an unsigned bundle '
                   'fails then')
    c.set_defaults(func=cmd_verify)

    c = sub.add_parser('push', help='copy a bundle to an OCI registry')
    c.add_argument('file', metavar='FILE')
    c.add_argument('reference', metavar='oci://HOST/REPO:TAG')
    c.add_argument('--insecure', action='store_true',
                   help='plain HTTP to a registry on loopback')
    c.add_argument('--chunk-size', type=_size, metavar='BYTES',
                   default=bundle_oci.DEFAULT_CHUNK_SIZE,
                   help='a blob larger than this is uploaded in chunks of '
                   'this size (default %d MiB)'
                   % (bundle_oci.DEFAULT_CHUNK_SIZE >> 20))
    bundle_registry_auth.add_arguments(c)
    c.set_defaults(func=cmd_push)

    c = sub.add_parser('pull', help='rebuild a bundle file from an OCI '
                       'registry')
    c.add_argument('reference', metavar='oci://HOST/REPO:TAG')
    c.add_argument('output', metavar='FILE',
                   help='the bundle file ("-": standard output)')
    c.add_argument('--insecure', action='store_true',
                   help='plain HTTP to a registry on loopback')
    bundle_registry_auth.add_arguments(c)
    c.set_defaults(func=cmd_pull)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)
    else:
        # what the libraries log (keystoneauth1's discovery warnings)
        # would come before the one line of a failure: keep it out
        logging.getLogger().addHandler(logging.NullHandler())
    bundle_io.run_command(
        PROG, lambda: args.func(args),
        (Failure, bundle_auth.AuthFailure, bundle_oci.RegistryError,
         bundle_registry_auth.AuthError, bundle_io.IOFailure,
         bundle_sign.KeyFailure), args.debug)
    return 0


def _fail(message):
    bundle_io.fail(PROG, message)


if __name__ == '__main__':
    sys.exit(main())
