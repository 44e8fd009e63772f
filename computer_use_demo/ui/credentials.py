"""Per-provider credential checks, each with guidance on what to set when something is missing.

The checks look for credentials without using them (no API calls). Cloud checks can be slow (credential
chains may probe metadata servers), so callers should cache them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CredentialCheck:
    ok: bool
    summary: str
    guidance: list[str] = field(default_factory=list)


def check_anthropic(api_key: str) -> CredentialCheck:
    if not api_key.strip():
        return CredentialCheck(
            False,
            "No Anthropic API key.",
            [
                "Paste a key into **Anthropic API key** in the sidebar (it is saved with mode 0600), or",
                "start the app with `ANTHROPIC_API_KEY` set.",
                "Keys are created at https://console.anthropic.com/settings/keys.",
            ],
        )
    if any(ch.isspace() for ch in api_key.strip()):
        return CredentialCheck(False, "The API key contains spaces: it was probably pasted incompletely.")
    return CredentialCheck(True, "Anthropic API key present.")


def check_bedrock() -> CredentialCheck:
    guidance = []
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    try:
        import boto3

        session = boto3.Session()
        credentials = session.get_credentials()
        region = region or session.region_name
    except Exception as exc:  # botocore raises many types for broken config files
        return CredentialCheck(False, f"AWS credentials could not be loaded: {type(exc).__name__}: {exc}")
    if credentials is None:
        guidance += [
            "Set `AWS_PROFILE` (with `~/.aws` mounted), or `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`"
            " (plus `AWS_SESSION_TOKEN` for temporary credentials).",
        ]
    if not region:
        guidance.append("Set `AWS_REGION` to a region where Claude is enabled in Bedrock, e.g. `us-west-2`.")
    if guidance:
        guidance.append(
            "Your IAM identity needs `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream`."
        )
        return CredentialCheck(False, "Bedrock credentials are incomplete.", guidance)
    return CredentialCheck(True, f"AWS credentials found (region {region}).")


def _adc_file() -> Path | None:
    explicit = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if explicit:
        return Path(explicit)
    default = Path.home() / ".config" / "gcloud" / "application_default_credentials.json"
    return default if default.exists() else None


def check_vertex() -> CredentialCheck:
    guidance = []
    region = os.environ.get("CLOUD_ML_REGION")
    project = os.environ.get("ANTHROPIC_VERTEX_PROJECT_ID")
    if not region:
        guidance.append("Set `CLOUD_ML_REGION` (e.g. `us-east5`, or `global`).")
    if not project:
        guidance.append("Set `ANTHROPIC_VERTEX_PROJECT_ID` to your Google Cloud project id.")
    adc = _adc_file()
    if adc is None or not adc.exists():
        guidance.append(
            "Run `gcloud auth application-default login` and mount `~/.config/gcloud`,"
            " or set `GOOGLE_APPLICATION_CREDENTIALS` to a service-account key file."
        )
    else:
        try:
            import google.auth

            google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        except Exception as exc:  # google.auth raises several types for unreadable files
            guidance.append(
                f"The Google credentials in `{adc}` could not be loaded: {type(exc).__name__}: {exc}"
            )
    if guidance:
        return CredentialCheck(False, "Vertex AI credentials are incomplete.", guidance)
    return CredentialCheck(True, f"Google credentials found (project {project}, region {region}).")


def check_credentials(provider: str, api_key: str) -> CredentialCheck:
    if provider == "anthropic":
        return check_anthropic(api_key)
    if provider == "bedrock":
        return check_bedrock()
    if provider == "vertex":
        return check_vertex()
    return CredentialCheck(False, f"Unknown provider {provider!r}.")
