import re
from collections import defaultdict
from pathlib import Path

import pytest

from services.parser.countries import (
    STEM_LANGUAGES,
    CountryMention,
    find_countries,
    load_data,
    main_pair,
    surface_forms,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures"
DATA = load_data()

# The 193 UN member states by ISO 3166-1 alpha-2, written out independently of the TOML to check it.
_UN_CODES = """AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI CV KH CM CA CF TD CL
    CN CO KM CG CR CI HR CU CY CZ KP CD DK DJ DM DO EC EG SV GQ ER EE SZ ET FJ FI FR GA GM GE DE GH GR GD GT GN
    GW GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO KZ KE KI KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT
    MH MR MU MX FM MD MC MN ME MA MZ MM NA NR NP NL NZ NI NE NG MK NO OM PK PW PA PG PY PE PH PL PT QA KR RO RU
    RW KN LC VC WS SM ST SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH SY TJ TZ TH TL TG TO TT TN TR TM
    TV UG UA AE GB US UY UZ VU VE VN YE ZM ZW"""
UN_MEMBERS = set(_UN_CODES.split())
OTHERS = {"XK", "PS", "TW", "VA"}
REGIONAL_15 = {"AZ", "UZ", "KZ", "KG", "TJ", "TM", "GE", "AM", "RU", "BY", "UA", "TR", "IR", "CN", "MD"}
# A surface form that deliberately names two countries would go here, as {(language, form): {codes}}.
DELIBERATE_SHARED_FORMS: dict[tuple[str, str], set[str]] = {}


def codes(title: str, text: str, language: str = "en") -> list[str]:
    return [m.code for m in find_countries(title, text, language)]


def test_sample_story_gives_azerbaijan_and_uzbekistan_then_belarus() -> None:
    text = (
        "Azerbaijan's Defense Minister Colonel General Zakir Hasanov met Uzbek Defense Minister Major General "
        "Bakhodir Kurbanov in Baku. The ministers signed a plan for bilateral military cooperation between "
        "Azerbaijan and Uzbekistan for 2020. Azerbaijan also signed a plan with Belarus on October 29."
    )
    mentions = find_countries("Azerbaijan, Uzbekistan sign military cooperation plan for 2020", text)
    assert [m.code for m in mentions] == ["AZ", "UZ", "BY"]
    assert main_pair(mentions) == ("AZ", "UZ")
    az = mentions[0]
    assert az.in_title and az.count == 5 and az.first_offset == 0
    assert az.terms == ("Azerbaijan", "Baku")
    assert mentions[2] == CountryMention("BY", "Belarus", 1, False, text.index("Belarus"), ("Belarus",))


def test_real_sample_file() -> None:
    files = [SAMPLE / "sample-story.txt"]
    mentions = find_countries(
        "Azerbaijan, Uzbekistan sign military cooperation plan for 2020", files[0].read_text()
    )
    assert main_pair(mentions) == ("AZ", "UZ")
    assert "BY" in [m.code for m in mentions]
    assert "Azerbaijani" in mentions[0].terms  # "the Azerbaijani-Uzbek cooperation"


CASES = [
    pytest.param("Turkic Council summit opens", [], id="turkic-is-not-turkey"),
    pytest.param("They served a turkey dinner with china plates", [], id="lowercase-turkey-and-china"),
    pytest.param("Turkey and Türkiye and Turkish Airlines", ["TR"], id="turkey-spellings"),
    pytest.param("Talks on South Sudan resumed", ["SS"], id="south-sudan-not-sudan"),
    pytest.param("Talks on Sudan resumed", ["SD"], id="sudan"),
    pytest.param("The Washington Post reports", [], id="washington-post-is-not-us"),
    pytest.param("Talks were held in Washington", ["US"], id="washington-is-us"),
    pytest.param("The U.S. and the USA and the US", ["US"], id="us-abbreviations"),
    pytest.param("Trade reached 5 million US dollars, or US$5 million", [], id="dollars-are-not-us"),
    pytest.param("Sales of US $22 billion", [], id="spaced-dollar-sign-is-not-us"),
    pytest.param("Amazon Mechanical Turk workers", [], id="mechanical-turk-is-not-turkey"),
    pytest.param("Poles and Danes voted", ["PL", "DK"], id="plural-only-demonyms"),
    pytest.param("Talks in Tashkent", ["UZ"], id="capital-tashkent"),
    pytest.param("Flights to Astana (formerly Nur-Sultan)", ["KZ"], id="capital-old-and-new-name"),
    pytest.param("Nakhchivan hosts the forum", ["AZ"], id="region-nakhchivan"),
    pytest.param("Nagorno-Karabakh and Abkhazia", ["AZ", "GE"], id="disputed-regions-map-to-iso-country"),
    pytest.param("Tskhinvali and North Ossetia", ["GE", "RU"], id="south-vs-north-ossetia"),
    pytest.param("Armenians marked the day", ["AM"], id="demonym-plural"),
    pytest.param("Kyrgyz and Tajiks and Turkmens", ["KG", "TJ", "TM"], id="central-asian-demonyms"),
    pytest.param("Azerbaijan’s ministry", ["AZ"], id="curly-possessive"),
    pytest.param("New Mexico and New Jersey officials", [], id="us-states-are-not-countries"),
    pytest.param("Ships in the Indian Ocean", [], id="indian-ocean-is-geography"),
    pytest.param("The Dominican Republic and Dominica", ["DO", "DM"], id="dominican-republic-vs-dominica"),
    pytest.param("Papua New Guinea and Guinea-Bissau", ["PG", "GW"], id="guinea-variants"),
    pytest.param("Niger and Nigeria", ["NE", "NG"], id="niger-vs-nigeria"),
    pytest.param("Congo and the Republic of the Congo", ["CD", "CG"], id="two-congos"),
    pytest.param("North Korean missiles alarm Seoul", ["KP", "KR"], id="north-vs-south-korea"),
    pytest.param("Chinese Taipei team", ["TW"], id="chinese-taipei-is-taiwan"),
    pytest.param("Korean companies invest", ["KR"], id="bare-korean-is-south-korea"),
    pytest.param("Talks in Brussels", ["BE"], id="brussels-is-belgium"),
    pytest.param("Georgian Dream wins in Georgia", ["GE"], id="georgia-stays-ge"),
    pytest.param("The OSCE Minsk Group co-chairs met", [], id="minsk-group-is-not-belarus"),
    pytest.param("Latin America and Voice of America", [], id="americas-are-not-us"),
    pytest.param("Talks on South\nSudan", ["SS"], id="line-break-inside-name"),
    pytest.param("Crimea and Transnistria", ["UA", "MD"], id="regions-ua-md"),
    pytest.param("Greek Cypriot leaders", ["CY"], id="greek-cypriot-is-cyprus"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_english_cases(text: str, expected: list[str]) -> None:
    assert sorted(codes("", text)) == sorted(expected)


def test_republic_of_azerbaijan_counts_once() -> None:
    [mention] = find_countries("", "The Republic of Azerbaijan")
    assert (mention.code, mention.count, mention.terms) == ("AZ", 1, ("Republic of Azerbaijan",))


STEM_CASES = [
    pytest.param(
        "Министр обороны Азербайджана встретился с узбекским коллегой", "ru", ["AZ", "UZ"], id="ru-sample"
    ),
    pytest.param("Азербайджано-узбекское сотрудничество", "ru", ["AZ", "UZ"], id="ru-compound-adjective"),
    pytest.param("в Грузии и в Тбилиси", "ru", ["GE"], id="ru-georgia-cases"),
    pytest.param("грузить вагоны на курорте Бакуриани", "ru", [], id="ru-no-false-stems"),
    pytest.param("туркменский газ и Туркестан", "ru", ["TM"], id="ru-turkmen-is-not-turkey"),
    pytest.param("тюркские государства", "ru", [], id="ru-turkic-is-not-turkey"),
    pytest.param("Россия, российский, русские и Москва", "ru", ["RU"], id="ru-russia-forms"),
    pytest.param("Нахичевань", "ru", ["AZ"], id="ru-region"),
    pytest.param("в Южной Осетии", "ru", ["GE"], id="ru-south-ossetia"),
    pytest.param("Azərbaycan və Özbəkistan müdafiə nazirləri", "az", ["AZ", "UZ"], id="az-sample"),
    pytest.param("İRAN və QIRĞIZISTAN", "az", ["IR", "KG"], id="az-dotted-and-dotless-i"),
    pytest.param("Bakıda görüş, bakır qiyməti", "az", ["AZ"], id="az-baku-not-copper"),
    pytest.param("Çinarə Çin səfərində", "az", ["CN"], id="az-china-not-name"),
    pytest.param("Rustam rus dilində", "az", ["RU"], id="az-rus-whole-word"),
    pytest.param("Türk Dövlətləri Təşkilatı", "az", [], id="az-turk-is-turkic"),
    pytest.param("Naxçıvan Muxtar Respublikası", "az", ["AZ"], id="az-region"),
    pytest.param("Azerbaijan and Уzbekistan", "ru", ["AZ"], id="ru-keeps-english-forms"),
]


@pytest.mark.parametrize(("text", "language", "expected"), STEM_CASES)
def test_stem_cases(text: str, language: str, expected: list[str]) -> None:
    assert sorted(codes("", text, language)) == sorted(expected)


def test_stems_only_apply_to_their_language() -> None:
    assert codes("", "Министр обороны Азербайджана", "en") == []
    assert codes("", "Министр обороны Азербайджана", "ru-RU") == ["AZ"]
    assert codes("", "Министр обороны Азербайджана", "xx") == []


def test_relevance_order_and_title_only_offset() -> None:
    mentions = find_countries(
        "Uzbekistan hosts talks", "Azerbaijan, Azerbaijan and Azerbaijan. Then Uzbekistan."
    )
    assert [m.code for m in mentions] == ["UZ", "AZ"]  # the title outranks a higher count
    assert main_pair(mentions) == ("UZ", "AZ")  # by relevance, not alphabetically
    [title_only] = find_countries("Georgia votes", "The election was calm.")
    assert (title_only.code, title_only.in_title, title_only.first_offset) == ("GE", True, -1)


PAIR_CASES = [
    pytest.param("", "Armenia and Georgia. Armenia and Georgia.", ("AM", "GE"), id="second-mentioned-twice"),
    pytest.param("Armenia, Georgia talks", "Armenia said.", ("AM", "GE"), id="second-in-title"),
    pytest.param("", "Armenia, Armenia and Georgia.", None, id="second-only-in-passing"),
    pytest.param("", "Armenia said.", None, id="one-country"),
    pytest.param("", "No country here.", None, id="none"),
]


@pytest.mark.parametrize(("title", "text", "expected"), PAIR_CASES)
def test_main_pair(title: str, text: str, expected: tuple[str, str] | None) -> None:
    assert main_pair(find_countries(title, text)) == expected


def test_every_entry_has_a_code_and_a_name() -> None:
    for code, entry in DATA["countries"].items():
        assert re.fullmatch(r"[A-Z]{2}", code), code
        assert isinstance(entry.get("name"), str) and entry["name"], code
    for key, region in DATA["regions"].items():
        assert region["code"] in DATA["countries"], key


def test_all_un_members_and_the_four_others_and_nothing_else() -> None:
    assert len(UN_MEMBERS) == 193
    assert set(DATA["countries"]) == UN_MEMBERS | OTHERS


def test_disputed_entities_are_regions_not_countries() -> None:
    names = {entry["name"] for entry in DATA["countries"].values()}
    for entity in ("Nagorno-Karabakh", "Artsakh", "Abkhazia", "South Ossetia", "Transnistria"):
        assert entity not in names
    region_of = {form: code for lang, form, code in surface_forms(DATA) if lang == "en"}
    expected = {
        "Karabakh": "AZ",
        "Abkhazia": "GE",
        "South Ossetia": "GE",
        "Tskhinvali": "GE",
        "Transnistria": "MD",
        "Crimea": "UA",
        "Nakhchivan": "AZ",
    }
    assert {form: region_of[form] for form in expected} == expected


def test_stems_only_for_the_regional_fifteen() -> None:
    with_stems = {code for code, entry in DATA["countries"].items() if set(entry) & set(STEM_LANGUAGES)}
    assert with_stems == REGIONAL_15
    for code in REGIONAL_15:
        assert DATA["countries"][code]["ru"] and DATA["countries"][code]["az"], code


def test_no_surface_form_names_two_countries() -> None:
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for lang, form, code in surface_forms(DATA):
        key = form if lang == "en" else form.removesuffix("$")  # "US$" is an English phrase, not a stem mark
        seen[lang, key].add(code)  # code "" = ignored phrase: may not also be a country
    shared = {key: found for key, found in seen.items() if len(found) > 1}
    assert shared == DELIBERATE_SHARED_FORMS


def test_forms_are_written_the_way_they_are_matched() -> None:
    for lang, form, _code in surface_forms(DATA):
        if lang == "en":
            assert form[0].isupper(), f"English forms are proper nouns: {form!r}"  # so "turkey" never matches
        else:
            assert form == form.lower() and form.strip() == form, f"{lang} stem: {form!r}"
