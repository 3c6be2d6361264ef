from datetime import date

from scrubber.model.records import Address, Patient, Phone, mask_ssn


def _patient(**kw):
    return Patient(id="P1", first_name="A", last_name="B", birth_date=date(1950, 1, 1), **kw)


def test_primary_address_and_phone_are_derived():
    work = Address("work", "1 A", "Mesa", "AZ", "85201", primary=False)
    home = Address("home", "2 B", "Mesa", "AZ", "85201", primary=True)
    patient = _patient(
        addresses=(work, home), phones=(Phone("1", primary=False), Phone("2", primary=True))
    )
    assert patient.address is home
    assert patient.phone.number == "2"


def test_no_primary_means_missing():
    patient = _patient(addresses=(Address("home", "1", "c", "s", "85201"),), phones=(Phone("1"),))
    assert patient.address is None
    assert patient.phone is None


def test_ssn_never_shows_in_repr():
    patient = _patient(ssn="123456789")
    assert "123456789" not in repr(patient)
    assert "6789" in repr(patient)
    assert mask_ssn("123456789") == "***-**-6789"
    assert mask_ssn("12") == "***"
    assert mask_ssn(None) is None


def test_records_are_frozen_and_slotted():
    patient = _patient()
    assert not hasattr(patient, "__dict__")
    try:
        patient.id = "P2"  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("records must be frozen")
