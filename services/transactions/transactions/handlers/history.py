"""Loading one technology contract registered before the platform (``transactions.history``): stored as a registered
contract under its original number and announced as ``transactions.contract.registered.v1`` with its original
registration date (``effective_date``) and ``imported: true``, in one transaction; once per registration number."""
import datetime as dt

from pymongo.errors import DuplicateKeyError

from ttp_common import auth, clock, regions

from ..documents import Contract
from ..history import contract_id
from .contracts import EVENT_FIELDS, REGISTERED


def import_contract(uow, row, principal, at):
    """``{"status": "created" | "exists" | "rejected", ...}`` for ``row`` (a ``HistoricalContractIn``): a registrar
    loads its region's registrations, an administrator any."""
    if principal.role != auth.Roles.ADMIN and not regions.covers(principal.region, row.region_code):
        return {"status": "rejected", "errors": [{"path": "region_code", "message": "another region's registration"}]}
    cid = contract_id(row.registration_number)
    if uow.find_one(Contract, {"_id": cid}) is not None:
        return {"status": "exists", "contract_id": cid}
    registered_at = dt.datetime.combine(row.registered_on, dt.time(), clock.CHINA_TIME).astimezone(dt.timezone.utc)
    contract = Contract(
        id=cid, status="registered", contract_type=row.contract_type, title=row.title,
        contract_amount=row.contract_amount, technology_transaction_amount=row.technology_transaction_amount,
        seller_organization_id=row.seller_organization_id, buyer_organization_id=row.buyer_organization_id,
        buyer_name=row.buyer_name, region_code=row.region_code, programme=row.programme, broker_person_ids=[],
        submitted_by=principal.sub, submitted_at=at, registration_number=row.registration_number,
        registered_at=registered_at, registered_by=principal.sub)
    try:
        uow.insert(contract)
    except DuplicateKeyError:  # the number is another contract's (registered on the platform)
        return {"status": "rejected",
                "errors": [{"path": "registration_number", "message": "already the number of another contract"}]}
    uow.emit(REGISTERED, {
        "contract_id": cid, "registration_number": row.registration_number, "registered_at": registered_at,
        "effective_date": row.registered_on, "imported": True, "broker_person_ids": [], "programme": row.programme,
        **{k: contract[k] for k in EVENT_FIELDS}}, subject=cid)
    return {"status": "created", "contract_id": cid}
