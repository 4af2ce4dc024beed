"""Benchmark: how often the encoding of a legacy-encoded CSV is detected right, and how long it takes.

    python -m tests.benchmarks.bench_encoding [--rows 100000] [--corpus DIR]

``--corpus`` defaults to ``$REALWORLD_FILES``, else ``<checkout>/../shared/realworld/files``.

Three sources of text, each written in the code pages its language is exported in:

* contact lists (names, e-mails, phones, cities, notes) in Turkish, Western (French/Spanish/German,
  Italian, Danish), Polish, Czech and Russian, of 3, 20 and 300 rows, five shuffles each;
* place names that nobody tuned the detector on (phonenumbers' geocoding data, per language), of 3, 20
  and 200 rows, four shuffles each;
* the real-world corpus beside the checkout, when present (each text file's expected encoding below).

"Right" means the file decodes to exactly the text that was written (cp1254 and ISO-8859-9 read Turkish
the same). charset-normalizer (the detector requests uses) is printed beside ours when it is installed;
it is not a dependency. Last, the time ``detect_encoding`` takes on a 100 000-row cp1254 CSV (best of 5).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from core.reading import detect_encoding

LISTS: dict[str, tuple[list[str], list[tuple[str, str, str]], list[str]]] = {
    "tr": (
        ["Ad", "Soyad", "E-posta", "Cep Telefonu", "Şehir", "Not"],
        [
            ("Ayşe", "Yılmaz", "İstanbul"),
            ("İsmail", "Güneş", "Muğla"),
            ("Çağrı", "Öztürk", "Şanlıurfa"),
            ("Gülşen", "Şahin", "Eskişehir"),
            ("Ömer", "Doğan", "Çanakkale"),
            ("Işıl", "Ağaoğlu", "İzmir"),
        ],
        ["Düğün davetlisi", "Sık müşteri", "Ödeme bekleniyor", "", "Yeni kayıt", "Görüşüldü"],
    ),
    "west": (
        ["Prénom", "Nom", "E-mail", "Téléphone portable", "Ville", "Remarque"],
        [
            ("Hélène", "Lefèvre", "Besançon"),
            ("José", "Núñez", "Málaga"),
            ("Jürgen", "Müller", "München"),
            ("François", "Dubois", "Orléans"),
            ("Björn", "Åkesson", "Göteborg"),
            ("Inês", "Conceição", "Évora"),
        ],
        ["Cliente fiel", "À rappeler", "Größe L", "", "Déjà client", "Straße 5"],
    ),
    "it": (
        ["Nome", "Cognome", "E-mail", "Cellulare", "Città", "Nota"],
        [
            ("Niccolò", "Galilei", "Forlì"),
            ("Lucia", "Bianchi", "Cantù"),
            ("José", "Pérès", "Città di Castello"),
            ("Mattia", "Ricci", "Cefalù"),
            ("Giulia", "Romano", "Sant'Agata"),
            ("Luca", "Esposito", "Roma"),
        ],
        ["Più tardi", "Perché no", "Già cliente", "", "Così così", "Verrà"],
    ),
    "da": (
        ["Fornavn", "Efternavn", "E-mail", "Mobil", "By", "Bemærkning"],
        [
            ("Søren", "Jørgensen", "Århus"),
            ("Mette", "Frederiksen", "København"),
            ("Bjørn", "Hansen", "Ålborg"),
            ("Æble", "Olsen", "Odense"),
            ("Kirsten", "Mørk", "Næstved"),
            ("Lars", "Sørensen", "Køge"),
        ],
        ["Ring igen", "Kunde før", "Går", "", "Ny kontakt", "Fejl i adresse"],
    ),
    "pl": (
        ["Imię", "Nazwisko", "E-mail", "Telefon komórkowy", "Miasto", "Uwagi"],
        [
            ("Łukasz", "Wiśniewski", "Kraków"),
            ("Małgorzata", "Wójcik", "Gdańsk"),
            ("Paweł", "Kowalczyk", "Łódź"),
            ("Zofia", "Woźniak", "Wrocław"),
            ("Grzegorz", "Kamiński", "Poznań"),
            ("Agnieszka", "Lewandowska", "Białystok"),
        ],
        ["Stały klient", "Zadzwonić później", "Płatność oczekuje", "", "Nowy kontakt", "Źle wpisany adres"],
    ),
    "cz": (
        ["Jméno", "Příjmení", "E-mail", "Mobilní telefon", "Město", "Poznámka"],
        [
            ("Jiří", "Dvořák", "Brno"),
            ("Kateřina", "Nováková", "Plzeň"),
            ("Tomáš", "Černý", "Ústí nad Labem"),
            ("Zdeněk", "Procházka", "České Budějovice"),
            ("Lucie", "Svobodová", "Hradec Králové"),
            ("Petr", "Kučera", "Olomouc"),
        ],
        ["Stálý zákazník", "Zavolat později", "Čeká na platbu", "", "Nový kontakt", "Špatná adresa"],
    ),
    "ru": (
        ["Имя", "Фамилия", "Эл. почта", "Мобильный телефон", "Город", "Примечание"],
        [
            ("Александр", "Иванов", "Москва"),
            ("Мария", "Смирнова", "Санкт-Петербург"),
            ("Дмитрий", "Кузнецов", "Новосибирск"),
            ("Елена", "Попова", "Екатеринбург"),
            ("Сергей", "Соколов", "Казань"),
            ("Ольга", "Лебедева", "Нижний Новгород"),
        ],
        ["Постоянный клиент", "Перезвонить", "Ожидает оплаты", "", "Новый контакт", "Ошибка в адресе"],
    ),
}
LIST_CASES = [
    ("tr", "cp1254"),
    ("tr", "iso-8859-9"),
    ("tr", "mac_turkish"),
    ("west", "cp1252"),
    ("it", "cp1252"),
    ("da", "cp1252"),
    ("west", "mac_roman"),
    ("it", "mac_roman"),
    ("pl", "cp1250"),
    ("cz", "cp1250"),
    ("ru", "cp1251"),
    ("tr", "utf-8"),
    ("pl", "utf-8-sig"),
    ("ru", "utf-16"),
]
PLACE_CASES = [
    ("tr", "cp1254"),
    ("tr", "mac_turkish"),
    ("fr", "cp1252"),
    ("de", "cp1252"),
    ("es", "cp1252"),
    ("it", "cp1252"),
    ("pt", "cp1252"),
    ("sv", "cp1252"),
    ("fr", "mac_roman"),
    ("de", "mac_roman"),
    ("pl", "cp1250"),
    ("cs", "cp1250"),
    ("hu", "cp1250"),
    ("ro", "cp1250"),
    ("hr", "cp1250"),
    ("ru", "cp1251"),
    ("uk", "cp1251"),
    ("bg", "cp1251"),
]
CORPUS = {  # text files of ../shared/realworld/files and the encoding they are written in
    "chardet__windows1254_turkish.txt": "cp1254",
    "chardet__iso8859_9_turkish.txt": "iso-8859-9",
    "chardet__windows1252.txt": "cp1252",
    "chardet__utf16le_nobom.txt": "utf-16-le",
    "dje__books_iso8859_1.csv": "latin-1",
    "roundcube__gmail_google_csv_utf16.csv": "utf-16",
    "keila__import_excel_semicolon_bom.csv": "utf-8-sig",
    "erdem__musteriler_tr.csv": "utf-8",
    "elevather__rehber_tr_be.csv": "utf-8",
}

Detector = Callable[[Path, bytes], str]


def _contact_list(lang: str, rows: int, seed: int) -> str:
    rnd = random.Random(seed)
    headers, people, notes = LISTS[lang]
    lines = [";".join(headers)]
    for i in range(rows):
        first, last, city = rnd.choice(people)
        lines.append(
            ";".join(
                [
                    first,
                    last,
                    f"contact{i}@example.com",
                    f"+90 532 {i % 1000:03d} 45 67",
                    city,
                    rnd.choice(notes),
                ]
            )
        )
    return "\r\n".join(lines) + "\r\n"


def _places(lang: str) -> list[str]:
    from phonenumbers.geodata import GEOCODE_DATA

    found = {d[lang].replace(";", ",") for d in GEOCODE_DATA.values() if not d.get(lang, "*").startswith("*")}
    return sorted(found)


def _place_list(pool: list[str], rows: int, seed: int) -> str:
    rnd = random.Random(seed)
    lines = ["name;email;phone"] + [
        f"{rnd.choice(pool)};user{i}@example.com;+90 532 000 {i:04d}" for i in range(rows)
    ]
    return "\r\n".join(lines) + "\r\n"


def _right(data: bytes, encoding: str, text: str) -> bool:
    try:
        return data.decode(encoding).lstrip("\ufeff") == text.lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError):
        return False


def _detectors() -> dict[str, Detector]:
    found: dict[str, Detector] = {"ours": lambda path, _data: detect_encoding(path)}
    try:
        import charset_normalizer
    except ImportError:
        print("charset-normalizer is not installed: only our detector is measured")
        return found

    def normalizer(_path: Path, data: bytes) -> str:
        best = charset_normalizer.from_bytes(data).best()
        return best.encoding if best is not None else "none"

    found["charset-normalizer"] = normalizer
    return found


def _measure(label: str, texts: list[tuple[str, str]], folder: Path, detectors: dict[str, Detector]) -> None:
    scores = dict.fromkeys(detectors, 0)
    spent = dict.fromkeys(detectors, 0.0)
    for n, (encoding, text) in enumerate(texts):
        data = text.encode(encoding)
        path = folder / f"{n}.csv"
        path.write_bytes(data)
        for name, detect in detectors.items():
            started = time.perf_counter()
            try:
                got = detect(path, data)
            except Exception:  # noqa: BLE001 - a detector that fails is wrong, not fatal
                got = "error"
            spent[name] += time.perf_counter() - started
            scores[name] += _right(data, got, text)
    cells = "  ".join(
        f"{scores[name]:>3}/{len(texts):<3} ({1000 * spent[name] / len(texts):5.1f} ms)" for name in detectors
    )
    print(f"{label:30} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    default = os.environ.get("REALWORLD_FILES") or (
        Path(__file__).resolve().parents[2].parent / "shared" / "realworld" / "files"
    )
    parser.add_argument("--corpus", type=Path, default=Path(default))
    args = parser.parse_args()
    detectors = _detectors()
    print(f"{'':30} " + "  ".join(f"{name:>17}" for name in detectors))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("contact lists (3/20/300 rows × 5)")
        for lang, encoding in LIST_CASES:
            texts = [
                (encoding, _contact_list(lang, rows, seed)) for rows in (3, 20, 300) for seed in range(5)
            ]
            _measure(f"  {lang} {encoding}", texts, folder, detectors)
        print("place names (3/20/200 rows × 4)")
        for lang, encoding in PLACE_CASES:
            pool = []
            for name in _places(lang):
                try:
                    name.encode(encoding)
                except UnicodeEncodeError:
                    continue
                pool.append(name)
            texts = [(encoding, _place_list(pool, rows, seed)) for rows in (3, 20, 200) for seed in range(4)]
            _measure(f"  {lang} {encoding}", texts, folder, detectors)
        if args.corpus.is_dir():
            right = 0
            for name, encoding in CORPUS.items():
                data = (args.corpus / name).read_bytes()
                text = data.decode(encoding)
                right += _right(data, detect_encoding(args.corpus / name), text)
            print(f"real-world corpus text files: ours {right}/{len(CORPUS)}")
        big = folder / "big.csv"
        rows = [_contact_list("tr", 1, seed).splitlines()[1] for seed in range(50)]
        big.write_bytes(
            (
                "Ad;Soyad;E-posta;Cep Telefonu;Şehir;Not\r\n"
                + "\r\n".join(rows[i % 50] for i in range(args.rows))
                + "\r\n"
            ).encode("cp1254")
        )
        times = []
        for _ in range(5):
            started = time.perf_counter()
            found = detect_encoding(big)
            times.append(time.perf_counter() - started)
        size = big.stat().st_size / 1e6
        print(
            f"detect_encoding, {args.rows:,}-row cp1254 CSV ({size:.1f} MB): {found}, "
            f"best of 5 {1000 * min(times):.1f} ms"
        )


if __name__ == "__main__":
    main()
