"""Real-shaped RDAP documents (RFC 9083), modelled on what registries publish."""

from __future__ import annotations

from typing import Any


def vcard(*props: list[Any]) -> list[Any]:
    return ["vcard", [["version", {}, "text", "4.0"], *props]]


# A thin registry (Verisign .com style): registrar entity with IANA id, events, EPP statuses
# spelled the RDAP way, name servers; no registrant at all (it lives at the registrar).
THIN = {
    "objectClassName": "domain",
    "handle": "2336799_DOMAIN_COM-VRSN",
    "ldhName": "EXAMPEL.COM",
    "links": [
        {"rel": "related", "href": "https://rdap.registrar.example/domain/EXAMPEL.COM"},
    ],
    "status": ["client delete prohibited", "client transfer prohibited"],
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "292",
            "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": "292"}],
            "vcardArray": vcard(["fn", {}, "text", "MarkMonitor Inc."]),
            "entities": [
                {
                    "objectClassName": "entity",
                    "roles": ["abuse"],
                    "vcardArray": vcard(["fn", {}, "text", "abuse desk"]),
                }
            ],
        }
    ],
    "events": [
        {"eventAction": "registration", "eventDate": "1997-09-15T04:00:00Z"},
        {"eventAction": "expiration", "eventDate": "2028-09-14T04:00:00Z"},
        {"eventAction": "last changed", "eventDate": "2019-09-09T15:39:04Z"},
        {"eventAction": "last update of RDAP database", "eventDate": "2026-07-23T10:00:00Z"},
    ],
    "nameservers": [
        {"objectClassName": "nameserver", "ldhName": "NS2.PARKING.EXAMPLE"},
        {"objectClassName": "nameserver", "ldhName": "NS1.PARKING.EXAMPLE."},
    ],
    "secureDNS": {"delegationSigned": False},
    "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_0"],
}

# A thick registry: registrant organisation published, EPP camelCase status with ICANN URL,
# a timestamp with an offset (converted to UTC: the day changes).
THICK = {
    "objectClassName": "domain",
    "ldhName": "cprp.org",
    "status": ["clientTransferProhibited https://icann.org/epp#clientTransferProhibited", "ok"],
    "entities": [
        {
            "roles": ["registrant"],
            "vcardArray": vcard(
                ["fn", {}, "text", "Domain Admin"],
                ["org", {}, "text", "Squat Holdings Ltd"],
            ),
        },
        {
            "roles": ["registrar", "sponsor"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": "1068"}],
            "vcardArray": vcard(["fn", {}, "text", "NameCheap, Inc."]),
        },
    ],
    "events": [
        {"eventAction": "registration", "eventDate": "2026-07-01T23:30:00-05:00"},
        {"eventAction": "expiration", "eventDate": "2027-07-02"},
    ],
    "nameservers": [{"ldhName": "dns1.registrar-servers.com"}],
}

# GDPR era: registrant redacted in the vCard and listed in RFC 9537 "redacted".
REDACTED = {
    "objectClassName": "domain",
    "ldhName": "paypa1.net",
    "status": ["active", "client hold"],
    "entities": [
        {
            "roles": ["registrant"],
            "vcardArray": vcard(["org", {}, "text", "REDACTED FOR PRIVACY"]),
        },
        {"roles": ["registrar"], "vcardArray": vcard(["fn", {}, "text", "Example Registrar"])},
    ],
    "redacted": [{"name": {"type": "Registrant Organization"}, "method": "removal"}],
    "events": [{"eventAction": "registration", "eventDate": "2025-01-31T00:00:00Z"}],
}

# Redacted by RFC 9537 alone: the vCard still holds a value that must not be trusted.
REDACTED_9537 = {
    "objectClassName": "domain",
    "ldhName": "x.example",
    "entities": [
        {"roles": ["registrant"], "vcardArray": vcard(["org", {}, "text", "Some Org"])},
    ],
    "redacted": [{"name": {"description": "Registrant Organization"}, "method": "removal"}],
}

# A registry in redemption: RFC 8056 names, no registrar entity.
REDEMPTION = {
    "objectClassName": "domain",
    "ldhName": "gmial.com",
    "status": ["redemption period", "pending delete"],
}

# Odd shapes a sloppy server sends: strings where arrays belong, garbage dates.
ODD = {
    "objectClassName": "domain",
    "ldhName": "odd.example",
    "status": "active",
    "entities": {"roles": ["registrar"]},
    "events": [{"eventAction": "registration", "eventDate": "sometime in 2020"}, "junk"],
    "nameservers": [{"ldhName": 42}, "ns.example"],
}
