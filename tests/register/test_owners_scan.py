"""Network owners through the whole scan: DNS (in-process server), domain RDAP with the registry
→ registrar referral, IP and ASN RDAP, all on 127.0.0.1; then the ranking's graph. Six typo
domains of two targets sit on three /24 networks (two each: no /24 reaches the cluster size of
five), all announced by one AS: only the owner nodes make them one operation."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import typorisk
from typorisk import permute
from typorisk.cli import main
from typorisk.demo.dnsserver import DemoDnsServer
from typorisk.pipeline import to_row

from .documents import vcard
from .test_cli import Background
from .test_network import write_bootstrap

NETS = ("198.51.100", "203.0.113", "192.0.2")
SOA = "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.close()


def rir_and_registry(hits: Counter[str], port: list[int]) -> web.Application:
    async def domain(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        hits["domain"] += 1
        link = f"http://127.0.0.1:{port[0]}/registrar/domain/{name}"
        card = vcard(["fn", {}, "text", "Cheap Names"])
        return web.json_response({
            "objectClassName": "domain", "ldhName": name,
            "links": [{"rel": "related", "href": link}],
            "entities": [{"roles": ["registrar"], "vcardArray": card,
                          "publicIds": [{"type": "IANA Registrar ID", "identifier": "4242"}]}],
            "events": [{"eventAction": "registration", "eventDate": "2026-11-20T00:00:00Z"}],
        })  # fmt: skip

    async def registrar(request: web.Request) -> web.Response:
        hits["registrar"] += 1
        abuse = {
            "roles": ["abuse"],
            "vcardArray": vcard(["email", {}, "text", "abuse@cheap.example"]),
        }
        return web.json_response({
            "objectClassName": "domain", "ldhName": request.match_info["name"],
            "entities": [{"roles": ["registrar"], "entities": [abuse]}],
        })  # fmt: skip

    async def ip(request: web.Request) -> web.Response:
        address = request.match_info["address"]
        hits["ip"] += 1
        net = ".".join(address.split(".")[:3])
        card = vcard(["email", {}, "text", "abuse@hostco.example"])
        return web.json_response({
            "objectClassName": "ip network", "handle": f"NET-{net.replace('.', '-')}-0-1",
            "startAddress": f"{net}.0", "endAddress": f"{net}.255", "country": "US",
            "name": f"HOSTCO-{NETS.index(net) + 1}", "arin_originas0_originautnums": [64500],
            "entities": [{"roles": ["abuse"], "vcardArray": card}],
        })  # fmt: skip

    async def autnum(request: web.Request) -> web.Response:
        hits["autnum"] += 1
        return web.json_response({"objectClassName": "autnum", "name": "HOSTCO"})

    app = web.Application()
    app.router.add_get("/rdap/domain/{name}", domain)
    app.router.add_get("/registrar/domain/{name}", registrar)
    app.router.add_get("/rdap/ip/{address}", ip)
    app.router.add_get("/rdap/autnum/{number}", autnum)
    return app


class OwnerWorld:
    def __init__(self, dns: int, boot: Path, network_boot: Path, squats: list[str]) -> None:
        self.dns, self.boot, self.network_boot, self.squats = dns, boot, network_boot, squats

    def options(self, **changes: object) -> typorisk.ScanOptions:
        base = typorisk.ScanOptions(
            top=40, nameservers=(f"127.0.0.1:{self.dns}",), wildcards=False, max_unknown=0.5,
            rdap=True, rdap_bootstrap=self.boot, rdap_network_bootstrap=self.network_boot,
            rdap_insecure_http=True, registration_cache=False, rdap_rate=100.0,
            allow_private_network=("127.0.0.0/8",),
        )  # fmt: skip
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@contextlib.contextmanager
def owner_world(background: Background, tmp_path: Path, hits: Counter[str]) -> Iterator[OwnerWorld]:
    brand = [c.domain for c in permute(["brand.com"], top=40) if c.suffix == "com"][:4]
    shop = [c.domain for c in permute(["shop.com"], top=40) if c.suffix == "com"][:2]
    squats = brand + shop
    zones = {"com.": "@ NS ns.registry.\n", "brand.com.": "@ NS ns1.brand.com.\n",
             "shop.com.": "@ NS ns1.shop.com.\n"}  # fmt: skip
    for i, name in enumerate(squats):  # two per /24, each its own name server: no NS cluster
        zones[f"{name}."] = f"@ NS ns.host{i}.example.\n@ A {NETS[i // 2]}.{10 + i}\n"
    server = DemoDnsServer({o: f"$ORIGIN {o}\n$TTL 300\n{SOA}{t}" for o, t in zones.items()})
    background.run(server.__aenter__())
    port: list[int] = []
    rdap = TestServer(rir_and_registry(hits, port), host="127.0.0.1")
    background.run(rdap.start_server())
    port.append(rdap.port)
    base = f"http://127.0.0.1:{rdap.port}/rdap/"
    boot = tmp_path / "dns.json"
    boot.write_text(json.dumps({"services": [[["com"], [base]]]}))
    network_boot = write_bootstrap(tmp_path / "numbers", base)
    try:
        yield OwnerWorld(server.port, boot, network_boot, squats)
    finally:
        background.run(rdap.close())
        background.run(server.__aexit__(None, None, None))


def clusters(options: typorisk.ScanOptions) -> tuple[list[typorisk.ScanRecord], list[object]]:
    result = typorisk.scan(["brand.com", "shop.com"], options)
    records = list(result)
    assert result.summary.findings is not None
    return records, list(result.summary.findings.clusters)


def test_owner_nodes_make_one_cluster_of_three_networks(
    background: Background, tmp_path: Path
) -> None:
    hits: Counter[str] = Counter()
    with owner_world(background, tmp_path, hits) as world:
        records, with_owners = clusters(world.options())
        _, without = clusters(world.options(network_owners=False))
    rows = {r.candidate.domain: to_row(r) for r in records}
    for name in world.squats:
        row = rows[name]
        assert (row["registrar"], row["registrar_iana"], row["created"]) == (
            "Cheap Names",
            4242,
            "2026-11-20",
        )
        assert row["abuse_email"] == "abuse@cheap.example"  # from the registrar's level
        assert (row["asn"], row["asn_name"], row["net_abuse"]) == (
            64500,
            "HOSTCO",
            "abuse@hostco.example",
        )
        assert str(row["net_name"]).startswith("HOSTCO-") and row["net_country"] == "US"
    assert hits["ip"] == 3  # one IP query per network; the scan without owners asks none
    assert hits["autnum"] == 1  # one AS name
    owner = [c for c in with_owners if c.kind == "owner"]  # type: ignore[attr-defined]
    assert len(owner) == 1 and owner[0].name == "AS64500 HOSTCO"  # type: ignore[attr-defined]
    assert set(owner[0].members) == set(world.squats)  # type: ignore[attr-defined]
    assert owner[0].targets == ("brand.com", "shop.com")  # type: ignore[attr-defined]
    assert not [c for c in without if c.kind in ("owner", "net")]  # type: ignore[attr-defined]
    # one network owner alone is a cluster to read, not an operation: hosting companies serve
    # strangers (link_owner 0.1 < join 0.7), so it adds no graph signal
    assert all(rows[name]["operation"] is None for name in world.squats)
    assert all(rows[name]["contrib_graph"] == 0 for name in world.squats)


def test_scan_cli_prints_owner_columns(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with owner_world(background, tmp_path, Counter()) as world:
        argv = ["scan", "brand.com", "shop.com", "--top", "40", "--format", "jsonl",
                "--no-wildcards", "--max-unknown", "0.5", "--nameserver", f"127.0.0.1:{world.dns}",
                "--rdap", "--rdap-bootstrap", str(world.boot), "--rdap-network-bootstrap",
                str(world.network_boot), "--rdap-insecure-http", "--rdap-rate", "100",
                "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
        assert main(argv) == 0
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines()]
    named = [r for r in rows if r["asn"] == 64500]
    assert {r["domain"] for r in named} == set(world.squats)
    assert "network owners: 3 networks named; 4 IP/ASN RDAP queries" in out.err


def test_scan_run_and_dask_carry_the_same_registration_and_owner_facts(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Every path: ``scan``, ``scan --executor dask`` and ``run`` (feed keys
    ``scan.registration.*``) give the squats identical registration and owner cells."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    columns = ("registrar", "registrar_iana", "created", "abuse_email", "abuse_phone",
               "net_name", "net_handle", "net_country", "net_abuse", "asn", "asn_name")  # fmt: skip
    with owner_world(background, tmp_path, Counter()) as world:
        base = ["scan", "brand.com", "shop.com", "--top", "40", "--format", "jsonl",
                "--no-wildcards", "--max-unknown", "0.5", "--nameserver", f"127.0.0.1:{world.dns}",
                "--rdap", "--rdap-bootstrap", str(world.boot), "--rdap-network-bootstrap",
                str(world.network_boot), "--rdap-insecure-http", "--rdap-rate", "100",
                "--no-registration-cache", "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
        assert main(base) == 0
        local = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert main([*base, "--executor", "dask", "--workers", "1"]) == 0
        dask = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        feed = tmp_path / "feed.yaml"
        feed.write_text(
            f"""feed: owners
targets: [brand.com, shop.com]
scan:
  top: 40
  allow_private_network: [127.0.0.0/8]
  resolve: {{nameservers: ["127.0.0.1:{world.dns}"], wildcards: false, max_unknown: 0.5}}
  registration: {{rdap: true, bootstrap: {world.boot}, network_bootstrap: {world.network_boot},
                  network_owners: true, insecure_http: true, cache: false, rate: 100}}
outputs:
  - {{format: jsonl, path: out/rows.jsonl}}
""",
            encoding="utf-8",
        )
        assert main(["run", str(feed)]) == 0
        capsys.readouterr()
    fed = [json.loads(x) for x in (tmp_path / "out/rows.jsonl").read_text().splitlines()]

    def cells(rows: list[dict[str, object]]) -> dict[str, tuple[object, ...]]:
        return {str(r["domain"]): tuple(r[c] for c in columns) for r in rows if r["asn"]}

    assert set(cells(local)) == set(world.squats)
    assert cells(local) == cells(dask) == cells(fed)
