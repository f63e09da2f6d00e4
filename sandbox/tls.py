"""A throwaway certificate authority and server certificate for the loopback TLS servers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the CA bundle clients trust and the server's key + certificate chain."""

    ca_path: Path
    server_pem: Path


def ensure_tls(directory: Path) -> TlsFiles:
    """Create (or reuse, so clients keep trusting it across restarts) a CA and a server cert."""
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(ca_path=directory / "ca.pem", server_pem=directory / "server.pem")
    if files.ca_path.exists() and files.server_pem.exists():
        return files
    ca = trustme.CA(organization_name="leadsync sandbox")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    ca.cert_pem.write_to_path(str(files.ca_path))
    cert.private_key_and_cert_chain_pem.write_to_path(str(files.server_pem))
    return files
