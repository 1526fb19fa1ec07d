"""ARM's own refusals, made before any provider sees a request: body size and shape, media type,
api-version, location, tag count and resource names, each with the code and message ARM answers.

Limits chosen where ARM publishes none we could confirm: a body may be at most 4 MiB (4,194,304 bytes,
the request size ARM documents for a template deployment) and nest at most 64 levels (Json.NET's default
MaxDepth, which ARM's .NET front door reports when a body nests deeper).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from aksegress.emulator.errors import ArmError
from aksegress.emulator.ids import ArmPath
from aksegress.naming import AZURE_PUBLIC_REGIONS, NAME_RULES, name_problems

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "MAX_TAGS", "check_api_version", "check_media_type", "check_put_body",
           "check_tags", "parse_json", "too_large"]

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_TAGS = 50
_FIRST_API_VERSION = date(2013, 1, 1)
_API_VERSION = re.compile(r"(\d{4})-(\d{2})-(\d{2})(-(preview|alpha|beta|privatepreview))?")
_REGIONS = ",".join(sorted(AZURE_PUBLIC_REGIONS))
_GLOBAL_TYPES = ("microsoft.network/privatednszones",)
_RULE_BY_TYPE = {NAME_RULES["aks_cluster"].resource_type.lower(): "aks_cluster"}
_NETWORK_NAME = re.compile(r"\w([\w.\-]{0,78}\w)?")
_GROUP_NAME_BAD = re.compile(r"[^\w.()\-]")
_TAG_NAME_RESERVED = set("<>%&\\?/")


def too_large(size: int) -> ArmError:
    return ArmError(413, "RequestEntityTooLarge",
                    f"The request content size ({size} bytes or more) exceeds the maximum of {MAX_BODY_BYTES} bytes.")


def parse_json(body: bytes):
    """The JSON value of a request body; ArmError(400) when it is not JSON or nests deeper than ARM reads."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise _depth_error() from None
    except ValueError as error:
        raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: {error}.") from None
    if _depth(value) > MAX_DEPTH:
        raise _depth_error()
    return value


def _depth_error() -> ArmError:
    return ArmError(400, "InvalidRequestFormat",
                    f"Cannot parse the request: the reader's MaxDepth of {MAX_DEPTH} has been exceeded.")


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def check_media_type(method: str, content_type: str | None, body: bytes) -> None:
    """A write with a body must say it is JSON (415 UnsupportedMediaType otherwise), as ARM requires."""
    if method not in ("PUT", "PATCH", "POST") or not body:
        return
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ArmError(415, "UnsupportedMediaType",
                       f"The content media type '{content_type or '<null>'}' is not supported. Only 'application/json' is supported.")


def check_api_version(version: str, arm_path: ArmPath, location: str | None = None) -> None:
    """Refuse an api-version no ARM service has: malformed, before ARM existed, or dated more than a year ahead.

    Versions the pinned SDKs and `az` send are all dated and recent, so each passes; ARM-level routes answer
    InvalidApiVersionParameter, provider routes NoRegisteredProviderFound, as ARM does.
    """
    match = _API_VERSION.fullmatch(version)
    try:
        stamp = date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        stamp = None
    newest = date.today() + timedelta(days=365)
    if stamp is not None and _FIRST_API_VERSION <= stamp <= newest:
        return
    supported = f"dated YYYY-MM-DD (optionally -preview) from {_FIRST_API_VERSION} to {newest}"
    if arm_path.namespace and arm_path.kind in ("resource", "collection"):
        raise ArmError(400, "NoRegisteredProviderFound",
                       f"No registered resource provider found for location '{location or 'global'}' and API version "
                       f"'{version}' for type '{'/'.join(arm_path.types)}'. The supported api-versions are {supported}.")
    raise ArmError(400, "InvalidApiVersionParameter",
                   f"The api-version '{version}' is invalid. The supported versions are {supported}.")


def check_tags(tags) -> None:
    """At most 50 tags, and no tag name with a character ARM reserves."""
    if not isinstance(tags, dict):
        return
    if len(tags) > MAX_TAGS:
        raise ArmError(400, "TooManyTags",
                       f"The resource has {len(tags)} tags; a resource or resource group can have at most {MAX_TAGS}.")
    reserved = sorted(name for name in tags if _TAG_NAME_RESERVED & set(str(name)))
    if reserved:
        raise ArmError(400, "InvalidTagNameCharacters",
                       f"The tag names '{','.join(reserved)}' have reserved characters '<,>,%,&,\\,?,/' or control characters.")


def check_put_body(arm_path: ArmPath, body: dict) -> None:
    """Location, tags and the resource's own name in a PUT, for a resource group or a provider resource."""
    check_tags(body.get("tags"))
    if arm_path.kind == "resourceGroup":
        _check_group_name(arm_path.rg or "")
        _check_location(body.get("location"), None)
        return
    full_type = arm_path.full_type.lower()
    _check_location(body.get("location"), "" if full_type.startswith(_GLOBAL_TYPES) else arm_path.full_type)
    name = arm_path.names[-1] if arm_path.names else ""
    network = full_type.startswith("microsoft.network/") and not full_type.startswith(_GLOBAL_TYPES)
    if network and not _NETWORK_NAME.fullmatch(name):
        raise ArmError(400, "InvalidResourceName",
                       f"Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word "
                       "character, and it must end with a word character or with '_'. The name may contain word characters "
                       "or '.', '-', '_'.")
    problems = name_problems(_RULE_BY_TYPE[full_type], name) if full_type in _RULE_BY_TYPE else []
    if problems:
        raise ArmError(400, "InvalidResourceName", f"Resource name {name} is invalid. The name " + "; ".join(problems) + ".")


def _check_group_name(name: str) -> None:
    bad = "".join(sorted(set(_GROUP_NAME_BAD.findall(name))))
    if bad or name.endswith(".") or not 1 <= len(name) <= 90:
        why = (f"has these invalid characters: '{bad}'" if bad else "ends with '.'" if name.endswith(".")
               else f"is {len(name)} characters long, more than 90")
        raise ArmError(400, "InvalidResourceGroup",
                       f"The provided resource group name '{name}' {why}. The name can only be a letter, digit, '-', '.', "
                       "'(', ')' or '_', at most 90 characters, not ending in '.'. "
                       "See https://aka.ms/ResourceGroupNamingRestrictions for more information.")


def _check_location(location, resource_type: str | None) -> None:
    """`resource_type` None means a resource group, '' a type that also takes 'global'."""
    if not isinstance(location, str):
        return
    normal = location.replace(" ", "").lower()
    if normal in AZURE_PUBLIC_REGIONS or (resource_type == "" and normal == "global"):
        return
    if resource_type is None:
        raise ArmError(400, "LocationNotAvailableForResourceGroup",
                       f"The provided location '{location}' is not available for resource group. List of available regions is '{_REGIONS}'.")
    raise ArmError(400, "LocationNotAvailableForResourceType",
                   f"The provided location '{location}' is not available for resource type '{resource_type}'. "
                   f"List of available regions for the resource type is '{_REGIONS}'.")
