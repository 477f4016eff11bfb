"""The ``partnership-cms`` command: init, evolve, users, groups, audit, pack, check-catalog,
finalize, demo, import, repair.

Backup and restore: see docs/operations.md.

Every command takes the .ini file first, like pserve and pshell.
"""
import argparse
import contextlib
import getpass
import json
import os
import sys
import time
import urllib.error
import urllib.request

from pyramid.paster import get_appsettings
from pyramid.traversal import resource_path
from pyramid_zodbconn import get_connection
from tqdm import tqdm
from ZODB.POSException import ConflictError

from . import evolve as evolve_module
from .audit import get_log, verify_all, verify_recent, verify_steps
from .audit.checkpoint import KEY_VARIABLE, CheckpointError, check_checkpoint, make_checkpoint
from .audit.verify import Problem
from .catalog.check import check_catalog, content_objects
from .content.services import ContentInvalid
from .demo import load_demo
from .evolve import DatabaseNotReady
from .importer import repair_cli
from .importer.service import ImportFailed, file_document
from .notices.finalize import finalize_due
from .scripting import act_as, app_request, load_app
from .security import accounts
from .storage import LockError, in_use

_opened = []  # registries whose databases main() closes when the command ends


def _registry(ini, check=False, read_only=False, advice=""):
    """The app's registry; one clear line (SystemExit) when another process holds Data.fs."""
    try:
        registry = load_app(ini, check=check, read_only=read_only).registry
    except LockError:
        raise SystemExit(in_use(get_appsettings(ini), advice or (
            "Stop the server first, or run this command where it runs alone."))) from None
    except DatabaseNotReady as e:
        raise SystemExit(str(e)) from None
    _opened.append(registry)
    return registry


def cmd_init(args):
    """Create the database if it is empty; demo data where the .ini asks for it."""
    registry = _registry(args.ini)
    settings = registry.app_settings
    with app_request(registry, root_required=False) as request:
        zodb_root = get_connection(request).root()
        if evolve_module.app_root(zodb_root) is not None:
            print("The database exists already; nothing to do. (Run `partnership-cms evolve` after upgrades.)")
            return 0
        root, steps = evolve_module.create_root(zodb_root, registry)
        request.root = root
        print(f"Created the database at evolve step {evolve_module.LATEST}.")
        if settings.demo and not args.no_demo:
            proposal, _ = load_demo(request)
            print(f"Demo users created (password 'demo'); seed case {proposal.data['dnr']} is before KS.")
        if settings.admin_from_env:
            login, password = os.environ.get("PCMS_ADMIN_LOGIN"), os.environ.get("PCMS_ADMIN_PASSWORD")
            if not login or not password:
                raise SystemExit("Set PCMS_ADMIN_LOGIN and PCMS_ADMIN_PASSWORD to create the first administrator.")
            accounts.create_user(request, login, password, groups=["admin"])
            print(f"Administrator {login} created.")
    return 0


def cmd_evolve(args):
    registry = _registry(args.ini)
    with app_request(registry) as request:
        applied = evolve_module.evolve(request.root, registry)
    print(f"Applied evolve steps {applied}." if applied else "The database is up to date.")
    return 0


def cmd_users(args):
    registry = _registry(args.ini, check=True)
    with app_request(registry) as request:
        act_as(request, None)
        principals = request.root.principals
        if args.action == "list":
            for login, user in principals.users.items():
                roles = ",".join(sorted(principals.roles_of(login)))
                print(f"{login}\t{user.fullname}\t{'active' if user.active else 'inactive'}\t{roles}")
        elif args.action == "add":
            password = args.password or getpass.getpass("Lösenord: ")
            accounts.create_user(request, args.login, password, args.fullname or "", groups=args.groups or [])
            print(f"Created {args.login}.")
        elif args.action == "password":
            accounts.set_password(request, args.login, args.password or getpass.getpass("Nytt lösenord: "))
        elif args.action == "groups":
            accounts.set_groups(request, args.login, args.groups or [])
        elif args.action in ("activate", "deactivate"):
            accounts.set_active(request, args.login, args.action == "activate")
    return 0


def cmd_groups(args):
    """List the groups (one per role) with their members."""
    registry = _registry(args.ini, check=True)
    with app_request(registry) as request:
        for name, group in request.root.principals.groups.items():
            print(f"{name}\t{group.title}\t{','.join(group.members.keys())}")
    return 0


def cmd_audit_verify(args):
    """Verify the trail (read-only, so it runs beside the server); JSON on stdout,
    the problems as readable lines on stderr."""
    checkpoint = None
    if args.checkpoint:
        try:
            with open(args.checkpoint, encoding="utf-8") as f:
                checkpoint = f.read()
        except OSError as e:
            raise SystemExit(f"Cannot read the checkpoint: {e}") from None
    registry = _registry(args.ini, check=True, read_only=True)
    with app_request(registry) as request:
        if args.since_last_seal:
            result = verify_recent(request.root)
        else:
            # A bar on a terminal only (disable=None), on stderr beside the readable lines.
            total = verify_steps(get_log(request.root))
            with tqdm(total=total, desc="Verifierar", unit=" steg", file=sys.stderr, disable=None,
                      mininterval=1) as bar:
                result = verify_all(request.root, progress=bar.update)
        if checkpoint is not None:
            try:
                result.problems += check_checkpoint(get_log(request.root), checkpoint,
                                                    os.environ.get(KEY_VARIABLE))
            except CheckpointError as e:
                raise SystemExit(str(e)) from None
    print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    print(verification_text(result, checked=checkpoint is not None), file=sys.stderr)
    return 0 if result.ok else 1


def verification_text(result, checked=False):
    """The result in a few lines a person reads: a summary, then each problem, earliest first."""
    counts = (f"{result.entries} entries, {result.chains} chains, {result.objects} objects, "
              f"{result.seals} seals" + (", checked against the checkpoint" if checked else "")
              + (f", written since seal {result.since_seal}" if result.since_seal else ""))
    if result.ok:
        return f"The audit trail is intact ({counts})."
    lines = [f"The audit trail is broken: {len(result.problems)} problems ({counts}). Earliest first:"]
    for problem in sorted(result.problems, key=Problem.sort_key):
        where = problem.chain + (f" #{problem.seq}" if problem.seq is not None else "")
        lines.append(f"  {problem.time or '(time unknown)'}  {where}: {problem.reason} [{problem.code}]")
    return "\n".join(lines)


SEAL_ADVICE = ("Seal through the running server instead: partnership-cms audit-seal INI "
               "--url http://HOST:PORT with an auditor's API token in PCMS_TOKEN.")


def cmd_audit_seal(args):
    if args.url:
        seal = _seal_through_server(args.url)
    else:
        registry = _registry(args.ini, check=True, advice=SEAL_ADVICE)
        seal = _seal_here(registry)
    print(f"Sealed {seal['entries']} entries as seal {seal['seq']} ({seal['digest']}).")
    return 0


def _seal_here(registry):
    for attempt in range(5):
        try:
            with app_request(registry) as request:
                return get_log(request.root).seal(actor="partnership-cms audit-seal")
        except ConflictError:
            # An entry was written while sealing: seal again, including it.
            time.sleep(0.1 * 2 ** attempt)
    raise SystemExit("The trail kept changing while sealing; run audit-seal again.")


def _seal_through_server(url):
    """POST /@audit/seal on the running server with the token in PCMS_TOKEN."""
    token = os.environ.get("PCMS_TOKEN")
    if not token:
        raise SystemExit("Set PCMS_TOKEN to an auditor's API token (POST /@login) to seal "
                         "through the server.")
    request = urllib.request.Request(
        url.rstrip("/") + "/@audit/seal", data=b"{}", method="POST",
        headers={"Authorization": "Bearer " + token, "Accept": "application/json",
                 "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        message = e.read().decode("utf-8", "replace")
        with contextlib.suppress(ValueError):
            message = json.loads(message).get("message", message)
        raise SystemExit(f"The server refused to seal ({e.code}): {message}") from None
    except (urllib.error.URLError, OSError) as e:
        raise SystemExit(f"Cannot reach the server at {url}: {e}") from None


def cmd_audit_checkpoint(args):
    """The last seal as a signed checkpoint (JSON), to keep outside the database."""
    registry = _registry(args.ini, check=True, read_only=True)
    with app_request(registry) as request:
        try:
            checkpoint = make_checkpoint(get_log(request.root), os.environ.get(KEY_VARIABLE))
        except CheckpointError as e:
            raise SystemExit(str(e)) from None
    text = json.dumps(checkpoint, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        seal = checkpoint["checkpoint"]
        print(f"Wrote the checkpoint of seal {seal['seq']} ({seal['time']}) to {args.output}.")
    else:
        sys.stdout.write(text)
    return 0


def cmd_pack(args):
    """Drop the database's old object revisions (ZODB pack); every current object,
    so every case and every audit entry, stays. FileStorage keeps its old file as Data.fs.old."""
    registry = _registry(args.ini, check=True, advice=(
        "FileStorage is packed by one process: stop the server for the pack (it takes seconds), "
        "or pack through ZEO or RelStorage, which several processes share."))
    days = registry.app_settings.pack_days if args.days is None else args.days
    db = registry._zodb_databases[""]
    before = _storage_size(db)
    db.pack(days=days)
    after = _storage_size(db)
    sizes = f" ({before / 1e6:.1f} MB -> {after / 1e6:.1f} MB)" if before and after else ""
    print(f"Packed: revisions older than {days} days are gone{sizes}.")
    return 0


def _storage_size(db):
    """The storage's size in bytes where it can say (FileStorage), else 0."""
    try:
        return int(db.storage.getSize())
    except (AttributeError, TypeError):
        return 0


def cmd_check_catalog(args):
    """Compare every catalog index with the objects (read-only, also beside a running
    server); one line per difference, grouped by index; exit 1 when any."""
    registry = _registry(args.ini, check=True, read_only=True)
    with app_request(registry) as request:
        total = len(content_objects(request.root))
        with tqdm(total=total, desc="Kontrollerar", unit="objekt", file=sys.stderr,
                  disable=total < 1000 or None) as bar:
            differences = check_catalog(request, progress=bar.update)
        indexes = len(request.root.catalog.indexes)
    if not differences:
        print(f"The catalog agrees with the {total} objects ({indexes} indexes and the paths).")
        return 0
    by_index = {}
    for difference in differences:
        by_index.setdefault(difference.index, []).append(difference)
    print(f"The catalog differs from the objects: {len(differences)} differences "
          f"in {', '.join(sorted(by_index))} ({total} objects).")
    for name in sorted(by_index):
        for difference in sorted(by_index[name], key=lambda d: d.path):
            print(f"  {name}\t{difference.path}: {difference.problem}")
    return 1


def cmd_finalize(args):
    """Decisions and protocols whose appeal period has ended become final (laga kraft);
    a scheduler may run it daily: what is final already is left alone."""
    registry = _registry(args.ini, check=True, advice=(
        "Run finalize through a database several processes share (ZEO or RelStorage), "
        "or while the server is stopped."))
    for attempt in range(5):
        try:
            with app_request(registry) as request:
                act_as(request, None)
                done = finalize_due(request)
            break
        except ConflictError:
            # The server changed one of them meanwhile: look again.
            time.sleep(0.1 * 2 ** attempt)
    else:
        raise SystemExit("The database kept changing while finalizing; run finalize again.")
    for line in done:
        print(line)
    print(f"{len(done)} blev laga kraft." if done else "Inget att registrera som laga kraft.")
    return 0


def cmd_load_demo(args):
    registry = _registry(args.ini, check=True)
    with app_request(registry) as request:
        proposal, _ = load_demo(request)
    print(f"Loaded the seed case as {proposal.data['dnr']}.")
    return 0


def cmd_import(args):
    """Import text files and PDFs (text layer) as Proposals / Decisions; one transaction per file."""
    registry = _registry(args.ini, check=True)
    failed = []
    total = len(args.files)
    # A progress bar on stderr when there are several files; one result line per file on stdout.
    progress = tqdm(args.files, desc="Importerar", unit="fil", disable=total < 2, file=sys.stderr)
    for number, filename in enumerate(progress, 1):
        prefix = f"[{number}/{total}] " if total > 1 else ""
        name = os.path.basename(filename)
        try:
            with open(filename, "rb") as f:
                data = f.read()
            with app_request(registry) as request:
                act_as(request, None)
                result = file_document(request, data, name, repair=not args.no_repair)
                path, created, repaired = resource_path(result.obj), result.created, len(result.repairs)
        except (OSError, ImportFailed, ContentInvalid) as e:
            failed.append(filename)
            tqdm.write(f"{prefix}{filename}: misslyckades: {e}", file=sys.stderr)
            continue
        if created:
            tqdm.write(f"{prefix}{filename} → {path} ({repaired} bokstäver rättade)", file=sys.stdout)
        else:
            tqdm.write(f"{prefix}{filename}: redan importerad som {path}, hoppas över", file=sys.stdout)
    if failed:
        print(f"Misslyckades: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="partnership-cms", description=__doc__,
        epilog="Also: repair-text FILE, repair-eval OCR_FILE CORRECT_FILE (see --help of each).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the database (and demo data where the .ini says demo = true)")
    p.add_argument("ini")
    p.add_argument("--no-demo", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("evolve", help="apply pending data migrations")
    p.add_argument("ini")
    p.set_defaults(func=cmd_evolve)

    p = sub.add_parser("users", help="list, add and change users and their groups")
    p.add_argument("ini")
    p.add_argument("action", choices=["list", "add", "password", "groups", "activate", "deactivate"])
    p.add_argument("login", nargs="?")
    p.add_argument("--password")
    p.add_argument("--fullname")
    p.add_argument("--groups", nargs="*",
                   help="officer director clerk ks_chair ks_member kf_chair kf_member auditor admin")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("groups", help="list the groups (one per role) and their members")
    p.add_argument("ini")
    p.set_defaults(func=cmd_groups)

    p = sub.add_parser("audit-verify", help="recompute the audit trail (read-only, also beside a "
                                            "running server); exit 1 and name the first bad entry")
    p.add_argument("ini")
    p.add_argument("--checkpoint", metavar="FILE",
                   help="also check that the trail holds this checkpoint's seal (key in PCMS_CHECKPOINT_KEY)")
    p.add_argument("--since-last-seal", action="store_true",
                   help="check only what was written after the last seal (the seals' digests "
                        "are left to the full verification)")
    p.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("audit-seal", help="seal all audit entries so far into the global chain")
    p.add_argument("ini")
    p.add_argument("--url", help="seal through the server running at this URL (token in PCMS_TOKEN)")
    p.set_defaults(func=cmd_audit_seal)

    p = sub.add_parser("audit-checkpoint",
                       help="print the last seal as a checkpoint signed with PCMS_CHECKPOINT_KEY")
    p.add_argument("ini")
    p.add_argument("--output", metavar="FILE", help="write it to FILE instead of printing it")
    p.set_defaults(func=cmd_audit_checkpoint)

    p = sub.add_parser("pack", help="drop old object revisions (every case and audit entry stays)")
    p.add_argument("ini")
    p.add_argument("--days", type=float, default=None,
                   help="keep the revisions of the last DAYS days (default: partnership_cms.pack_days)")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("check-catalog", help="compare every catalog index with the objects "
                                             "(read-only); exit 1 and list each difference")
    p.add_argument("ini")
    p.set_defaults(func=cmd_check_catalog)

    p = sub.add_parser("finalize", help="record as final (laga kraft) what has passed its appeal period "
                                        "(KL 13:5); idempotent, for a daily scheduler")
    p.add_argument("ini")
    p.set_defaults(func=cmd_finalize)

    p = sub.add_parser("load-demo", help="create the demo users and the seed case")
    p.add_argument("ini")
    p.set_defaults(func=cmd_load_demo)

    p = sub.add_parser("import", help="import tjänsteutlåtanden and protokollsutdrag (text or PDF files)")
    p.add_argument("ini")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--no-repair", action="store_true", help="keep the letters as scanned")
    p.set_defaults(func=cmd_import)
    return parser


# Commands that need no .ini and parse their own arguments.
TEXT_COMMANDS = {
    "repair-text": "main_repair_text",  # repair OCR-broken Swedish letters in a file
    "repair-eval": "main_evaluate",  # measure the repair against a correct version
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in TEXT_COMMANDS:
        return getattr(repair_cli, TEXT_COMMANDS[argv[0]])(argv[1:])
    args = build_parser().parse_args(argv)
    if getattr(args, "action", None) not in (None, "list") and args.command == "users" and not args.login:
        raise SystemExit("Ange användarnamnet.")
    try:
        return args.func(args)
    finally:
        while _opened:
            for db in _opened.pop()._zodb_databases.values():
                db.close()


if __name__ == "__main__":
    sys.exit(main())
