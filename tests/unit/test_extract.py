"""Claims found in running text, on paragraphs written in news style with the figures of the
shared DPRK scenario (../shared/data/scenario/dprk_claims.csv)."""

from __future__ import annotations

import datetime as dt

import pytest

from estimates.errors import ParseError
from estimates.ledger.claims import Claim
from estimates.ledger.extract import extract
from estimates.reading.parsing import parse
from estimates.values.dates import Period

SEOUL = (
    "North Korea has already moved 1,500 special forces to Russia's Far East, South Korea's "
    "National Intelligence Service said on Friday. The troops were carried by Russian navy "
    "ships from the 8th to the 13th, and Pyongyang could send around 12,000 soldiers in "
    "total, the agency said."
)
KYIV = (
    "Ukrainian President Volodymyr Zelensky said Thursday that 10,000 soldiers were being "
    "prepared on North Korean soil. According to the Pentagon, at least 3,000 troops moved "
    "into eastern Russia."
)
SHIPMENTS = (
    "Seoul's spy agency said North Korea had shipped more than 13,000 containers of shells, "
    "missiles and anti-tank rockets to Russia since last August. It is highly likely that six "
    "officers were killed in a missile strike near Donetsk on Oct. 3, the defence minister "
    "told lawmakers."
)
KURSK = (
    "As many as 8,000 North Korean soldiers are now in the Kursk region, out of some 10,000 "
    "in Russia, Secretary of State Antony Blinken said. Observers expect a couple thousand "
    "more."
)


def _by_text(claims: list[Claim]) -> dict[str, Claim]:
    return {c.text or "": c for c in claims}


def test_each_figure_becomes_a_candidate_claim_in_order() -> None:
    claims = extract(SEOUL, stated_on="2024-10-18", source="AFP")
    assert [c.text for c in claims] == ["1,500 special forces", "around 12,000 soldiers"]
    first, second = claims
    assert first.value == parse("1,500 special forces")
    assert first.value.unit == second.value.unit == "person"
    assert all(c.via == ("AFP",) for c in claims)


def test_span_is_in_the_note_and_points_at_the_figure() -> None:
    for claim in extract(SEOUL, stated_on="2024-10-18"):
        assert claim.note is not None
        span = claim.note.split(";")[0]
        start, end = (int(x) for x in span.removeprefix("span ").split("-"))
        assert SEOUL[start:end] == claim.text


def test_speakers_come_from_the_same_sentence() -> None:
    seoul = extract(SEOUL, stated_on="2024-10-18")
    assert seoul[0].source == "South Korea's National Intelligence Service"
    assert seoul[1].source == "agency"
    kyiv = _by_text(extract(KYIV, stated_on="2024-10-18"))
    assert kyiv["10,000 soldiers"].source == "Ukrainian President Volodymyr Zelensky"
    assert kyiv["at least 3,000 troops"].source == "Pentagon"
    kursk = extract(KURSK, stated_on="2024-10-31")
    assert kursk[0].source == "Secretary of State Antony Blinken"


def test_what_cannot_be_attributed_stays_unattributed() -> None:
    claims = extract(KURSK, stated_on="2024-10-31")
    assert claims[-1].text == "a couple thousand"
    assert claims[-1].source == "unattributed"
    text = "He said 500 more were on their way. Officials say dozens were wounded."
    assert {c.source for c in extract(text)} == {"unattributed"}


def test_said_on_a_weekday_moves_stated_on_to_that_day() -> None:
    kyiv = _by_text(extract(KYIV, stated_on="2024-10-18"))
    assert kyiv["10,000 soldiers"].stated_on == Period.day(dt.date(2024, 10, 17))
    assert kyiv["at least 3,000 troops"].stated_on == Period.day(dt.date(2024, 10, 18))


def test_dates_resolve_against_stated_on() -> None:
    claims = _by_text(extract(SHIPMENTS, stated_on="2024-10-18"))
    containers = claims["more than 13,000 containers"]
    assert containers.since == Period.parse("2024-08")
    assert containers.kind == "cumulative"
    assert "2023-08" in (containers.note or "")  # the other reading of "last August" is named
    officers = claims["six officers"]
    assert officers.as_of == Period.day(dt.date(2024, 10, 3))
    assert officers.value == parse("six officers")
    assert officers.value.unit == "person"


def test_a_window_of_days_is_the_as_of_period_of_its_clause_only() -> None:
    text = "Some 1,500 troops were moved from the 8th to the 13th, officials said."
    (claim,) = extract(text, stated_on="2024-10-18")
    assert claim.as_of == Period.parse("2024-10-08/2024-10-13")
    seoul = extract(SEOUL, stated_on="2024-10-18")
    assert seoul[1].as_of is None  # the window belongs to the other clause


def test_dates_are_not_read_as_figures() -> None:
    text = "On Oct. 3, in 2024, a strike killed 20 soldiers, the ministry said on 4 October."
    claims = extract(text, stated_on="2024-10-18")
    assert [c.text for c in claims] == ["20 soldiers"]


def test_without_stated_on_dates_needing_a_year_are_named_not_guessed() -> None:
    (claim,) = extract("Six officers were killed on Oct. 3, the ministry said.")
    assert claim.as_of is None
    assert claim.stated_on is None
    assert "needs a publication date" in (claim.note or "")
    (dated,) = extract("Six officers were killed on Oct. 3, 2024, the ministry said.")
    assert dated.as_of == Period.day(dt.date(2024, 10, 3))


def test_hedges_give_confidence_only_when_they_carry_a_probability() -> None:
    claims = _by_text(extract(SHIPMENTS, stated_on="2024-10-18"))
    assert claims["six officers"].hedge == "highly likely"
    assert claims["six officers"].confidence == pytest.approx(0.875)
    text = "An estimated 28,000 containers have been shipped, the agency said."
    (claim,) = extract(text, stated_on="2025-07-13")
    assert claim.hedge == "estimated"
    assert claim.confidence is None


def test_plans_are_projections() -> None:
    seoul = extract(SEOUL, stated_on="2024-10-18")
    assert seoul[0].kind == "stock"
    assert seoul[1].kind == "projection"
    (claim,) = extract(
        "Seoul believes 10,000 troops will be sent by December.", stated_on="2024-10-23"
    )
    assert claim.kind == "projection"
    assert claim.as_of == Period.parse("2024-12")


def test_quantity_is_a_placeholder_from_the_noun() -> None:
    claims = _by_text(extract(KURSK, stated_on="2024-10-31"))
    assert claims["As many as 8,000 North Korean soldiers"].quantity == "soldiers"
    assert claims["some 10,000"].quantity == "figure"


def test_convention_is_passed_to_the_parser() -> None:
    (claim,) = extract("More than 7,000 troops moved, Kyiv said.", convention="literal")
    assert claim.value.high is None
    assert claim.value.convention == "literal"


def test_text_without_figures_gives_no_claims() -> None:
    assert extract("") == []
    assert extract("The agency declined to comment.") == []


def test_broken_figures_are_skipped_not_guessed() -> None:
    claims = extract("Reports put it between 2,000 and. Later, 500 more arrived.")
    assert [c.text for c in claims] == ["500"]


def test_non_text_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        extract(42)  # type: ignore[arg-type]


RYDER = (
    "The Pentagon's press secretary, Maj. Gen. Pat Ryder, said on Monday that at least 10,000 "
    "North Korean soldiers were now in Kursk. South Korea's spy agency told lawmakers on Nov. 20 "
    "that nearly 11,000 troops were stationed there. Budanov said as much as 40 percent of "
    "Russia's ammunition came from the North, a claim that could not be independently verified."
)


def test_a_name_in_apposition_is_the_speaker_and_said_on_a_date_is_stated_on() -> None:
    ryder, nis, budanov = extract(RYDER, stated_on="2024-11-26")
    assert ryder.source == "Maj. Gen. Pat Ryder"
    assert ryder.stated_on == Period.day(dt.date(2024, 11, 25))  # the Monday before
    assert ryder.value == parse("at least 10,000 soldiers")
    assert nis.source == "South Korea's spy agency"
    assert nis.stated_on == Period.day(dt.date(2024, 11, 20))
    assert nis.as_of is None  # the day it was said is not the moment it describes
    assert budanov.value.unit == "percent"
    assert budanov.hedge == "could not be independently verified"
    assert budanov.confidence is None


def test_a_place_before_a_comma_is_not_a_speaker() -> None:
    (claim,) = extract("In Kursk, 500 troops arrived on Oct. 3.", stated_on="2024-11-26")
    assert claim.source == "unattributed"
    assert claim.as_of == Period.day(dt.date(2024, 10, 3))


@pytest.mark.parametrize(
    ("text", "stated_on", "as_of", "since"),
    [
        ("Over 1,000 more troops were sent this year, Seoul said.", "2025-02-27", None, "2025"),
        ("An estimated 14,000 were sent last year, according to Kyiv.", "2025-07-03", "2024", None),
        ("More than 10,000 were sent in 2024, Seoul said.", "2025-09-02", "2024", None),
        ("About 2,000 more arrived last week, the Pentagon said.", "2024-11-05", "2024-10-28/2024-11-03", None),
        ("Some 500 arrived last month, Kyiv said.", "2024-11-05", "2024-10", None),
    ],
)  # fmt: skip
def test_relative_dates(text: str, stated_on: str, as_of: str | None, since: str | None) -> None:
    (claim,) = extract(text, stated_on=stated_on)
    assert claim.as_of == (None if as_of is None else Period.parse(as_of))
    assert claim.since == (None if since is None else Period.parse(since))


def test_an_estimated_is_a_hedge_not_a_speaker() -> None:
    (claim,) = extract("An estimated 14,000 were sent last year, according to Kyiv.")
    assert claim.source == "Kyiv"
    assert claim.hedge == "estimated"


def test_a_relative_date_before_year_one_is_a_note_not_an_overflow() -> None:
    (claim,) = extract("Some 500 arrived last month, Kyiv said.", stated_on="0001-01-15")
    assert claim.as_of is None
    assert "last month" in (claim.note or "") and "not a date" in (claim.note or "")
    (other,) = extract("Some 500 arrived last year, Kyiv said.", stated_on="0001-01-15")
    assert other.as_of is None


def test_a_run_on_sentence_keeps_a_bounded_quote_per_figure() -> None:
    text = "the army said 1,500 soldiers and about 300 tanks were near the town and " * 200
    claims = extract(text)
    assert len(claims) == 400
    assert all(len(c.quote or "") <= 900 for c in claims)
    assert claims[0].source == "army"


@pytest.mark.parametrize(
    ("text", "figure", "source", "via"),
    [
        ('"We have lost about 200 men," the commander told Reuters.', "about 200 men", "commander", ("Reuters", "AFP")),
        ("Russia's defence ministry said 1,500 Ukrainian soldiers were killed.", "1,500 Ukrainian soldiers", "Russia's defence ministry", ("AFP",)),
        ("According to the UN's figures, more than 6 million refugees have left Ukraine.", "more than 6 million refugees", "UN", ("AFP",)),
        ("Ukraine's military said on Telegram that 1,200 Russian troops had been killed.", "1,200 Russian troops", "Ukraine's military", ("AFP",)),
        ("The death toll topped 40,000, the Gaza health ministry said.", "topped 40,000", "Gaza health ministry", ("AFP",)),
        ('Zelensky said: "We estimate 10,000 soldiers. Another 5,000 may follow."', "5,000", "Zelensky", ("AFP",)),
        ('"Another 3,000 are expected. They arrive soon," said Pentagon spokesperson Sabrina Singh.', "3,000", "Pentagon spokesperson Sabrina Singh", ("AFP",)),
        ("About 300 troops were killed, as reported by the BBC.", "About 300 troops", "unattributed", ("BBC", "AFP")),
        ("Budanov told The Wall Street Journal that 11,000 troops were in Kursk.", "11,000 troops", "Budanov", ("The Wall Street Journal", "AFP")),
        ("Seoul's spy agency estimated that 1,500 troops had arrived, Yonhap reported.", "1,500 troops", "Seoul's spy agency", ("Yonhap", "AFP")),
        ("Several hundred civilians were evacuated, the mayor told reporters.", "Several hundred civilians", "mayor", ("AFP",)),
        ('"It is nearly 3,000," he said.', "nearly 3,000", "unattributed", ("AFP",)),
    ],
)  # fmt: skip
def test_speakers_relays_and_quotations(
    text: str, figure: str, source: str, via: tuple[str, ...]
) -> None:
    claims = _by_text(extract(text, source="AFP"))
    assert (claims[figure].source, claims[figure].via) == (source, via)


def test_the_sides_of_bound_words_are_kept() -> None:
    text = (
        "Losses exceeded 200, the toll is approaching 1,000 and several hundred more are "
        "missing, the ministry said. As many as 8,000 troops could be sent, Seoul said."
    )
    claims = _by_text(extract(text, convention="literal"))
    exceeded = claims["exceeded 200"].value
    assert (exceeded.low, exceeded.high, exceeded.closed) == (200, None, "neither")
    approaching = claims["approaching 1,000"].value
    assert (approaching.low, approaching.high, approaching.closed) == (None, 1000, "neither")
    assert claims["several hundred"].value.low == 300
    many = claims["As many as 8,000 troops"]
    assert (many.value.high, many.value.closed, many.kind) == (8000, "both", "projection")


def test_could_exceed_is_a_projection_with_a_floor() -> None:
    (claim,) = extract("Losses could exceed 10,000, Kyiv said.", convention="literal")
    assert (claim.value.low, claim.value.high, claim.kind) == (10_000, None, "projection")
