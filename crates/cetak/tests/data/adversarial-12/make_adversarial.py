#!/usr/bin/env python3
"""Adversarial data-ganda test set for cetak (issue 12), standard library only.

    python3 make_adversarial.py OUTDIR [--data DIR] [--seed N]

Writes OUTDIR/recordings.csv (import contract 1.1, CSV), OUTDIR/truth.csv
(recording_id,person_id), OUTDIR/kinds.csv (recording_id,kind) and
OUTDIR/details.csv (recording_id,detail: what exactly was done to the row).
Deterministic: the same seed and reference data give byte-identical files.

Written from the issue text, the import contract and the shared reference data
only; the engine's code was not read.
"""
import calendar
import csv
import datetime as dt
import os
import random
import re
import sys
from collections import Counter, OrderedDict

SEED = 12
HERE = os.path.dirname(os.path.abspath(__file__))

COLUMNS = [
    "recording_id", "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin",
    "golongan_darah", "alamat", "rt", "rw", "kelurahan", "kecamatan", "kabupaten_kota",
    "provinsi", "agama", "status_perkawinan", "pekerjaan", "kewarganegaraan", "nama_ibu",
    "recorded_at", "recording_site", "jenis_permohonan",
]

# ---------------------------------------------------------------------------
# planned counts (rows)
DUP_KINDS = OrderedDict([
    ("dup_digit_typo", 105),
    ("dup_keyboard_typo", 100),
    ("dup_nik_typo", 100),
    ("dup_nik_typo_bad_date", 100),
    ("dup_nik_typo_bad_region", 100),
    ("dup_missing_mother", 110),
    ("dup_missing_job_or_birthplace", 100),
    ("dup_moved_new_nik", 110),
    ("dup_title", 100),
    ("dup_old_spelling", 105),
    ("dup_exact", 30),
    ("dup_combo", 50),
])
N_SECOND_DUP = 110          # persons recorded three times (two duplicate rows)
N_TWIN_PAIRS = 160
N_TWIN_COLLISIONS = 36
N_TWIN_DUP = 30             # a twin re-recorded (true duplicate of one twin)
N_NAMESAKE_PAIRS = 80
N_NAMESAKE_SAME_DOB = 30
N_FATHER_SON = 55
N_SIBLING_PAIRS = 50
N_SINGLE_NOISY = 100
N_CLEAN_NIK_MISMATCH = 40
N_CLEAN_OLD_REGION = 10
N_CLEAN = 1230

# ---------------------------------------------------------------------------
def find_data(argv):
    if "--data" in argv:
        return argv[argv.index("--data") + 1]
    for c in (os.environ.get("ADV12_DATA"), os.path.join(HERE, "..", "shared", "data"),
              os.path.join(HERE, "..", "..", "shared", "data"), "/work/shared/data"):
        if c and os.path.isfile(os.path.join(c, "names_id.csv")):
            return c
    sys.exit("reference data not found; pass --data DIR")


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Ref:
    def __init__(self, d):
        self.names = load(os.path.join(d, "names_id.csv"))
        self.variants = load(os.path.join(d, "name_variants_id.csv"))
        self.pal = load(os.path.join(d, "regions_palembang.csv"))
        self.kota = load(os.path.join(d, "regions_kota_id.csv"))
        self.prov = load(os.path.join(d, "regions_provinsi_id.csv"))
        self.enums = load(os.path.join(d, "ktp_enums.csv"))
        self._regions()
        self._enums()
        self._names()

    # -- regions
    def _regions(self):
        self.kec = OrderedDict()      # "01" -> (name2025, legacy)
        self.kel = []                 # (kec "01", name2025, legacy)
        for r in self.pal:
            parts = r["kode"].split(".")
            if r["level"] == "kecamatan":
                self.kec[parts[2]] = (r["name"].upper(), r["name_legacy"].upper())
            elif r["level"] == "kelurahan":
                self.kel.append((parts[2], r["name"].upper(), r["name_legacy"].upper()))
        self.kel_by_kec = OrderedDict((k, [x for x in self.kel if x[0] == k]) for k in self.kec)
        self.prov_codes = sorted({r["kode"] for r in self.prov})
        self.prov_name = {r["kode"]: (r["name_legacy"] or r["name"].upper()) for r in self.prov}
        cur = {r["kode_nik"] for r in self.kota}
        self.kota_codes = sorted(cur | {r["kode_lama"].replace(".", "") for r in self.kota if r["kode_lama"]})
        self.old_only = [r for r in self.kota if r["kode_lama"] and r["kode_lama"].replace(".", "") not in cur]
        self.kota_by_nik = {r["kode_nik"]: r for r in self.kota}
        self.sumsel = [r for r in self.kota if r["provinsi_kode"] == "16" and r["kode_nik"] != "1671"]
        near = {"15", "17", "18", "19", "31", "32", "33", "35", "36", "12", "13", "14"}
        self.elsewhere = [r for r in self.kota if r["provinsi_kode"] in near]

    def birthplace_of(self, r):
        return (r["name_short"] if r["jenis"] == "kota" else r["ibukota"]).upper()

    # -- enums
    def _enums(self):
        self.enum = {}
        self.enum_alts = {}
        self.job_code = {}
        for r in self.enums:
            self.enum.setdefault(r["field"], []).append(r["value"])
            for a in filter(None, r["alt_spellings"].split("|")):
                self.enum_alts.setdefault(r["field"], {})[a] = r["value"]
            if r["field"] == "pekerjaan":
                self.job_code[r["value"]] = r["code"]

    # -- names
    def _names(self):
        def tags(r):
            return set(filter(None, r["group"].split("|")))

        def sex(r):
            if r["gender"] in ("M", "F"):
                return r["gender"]
            return r["gender_hint"] if r["gender_hint"] in ("M", "F") else None

        non_malay = {"western", "christian", "catholic", "chinese", "chinese_hokkien", "balinese"}
        self.given = {c: {"M": [], "F": []} for c in ("malay", "christian", "chinese", "balinese")}
        self.surname_like = {"M": [], "F": []}
        self.marga, self.chinese_fam, self.east_fam = [], [], []
        for r in self.names:
            n, t, s, k = r["name"].upper(), tags(r), sex(r), r["kind"]
            if not re.fullmatch(r"[A-Z' -]+", n):
                continue
            if k == "given" and s:
                if not (t & non_malay):
                    self.given["malay"][s].append(n)
                if t & {"christian", "catholic", "western"}:
                    self.given["christian"][s].append(n)
                if t & {"chinese", "chinese_hokkien", "western"}:
                    self.given["chinese"][s].append(n)
                if "balinese" in t:
                    self.given["balinese"][s].append(n)
            elif k == "surname_like":
                for g in (("M", "F") if r["gender"] == "U" else (r["gender"],)):
                    self.surname_like[g].append(n)
            elif k == "surname":
                if "batak" in t:
                    self.marga.append(n)
                elif t & {"chinese", "chinese_hokkien"}:
                    self.chinese_fam.append(n)
                elif t & {"minahasa", "maluku"}:
                    self.east_fam.append(n)
        for c in ("chinese", "balinese"):
            for s in ("M", "F"):
                if len(self.given[c][s]) < 10:
                    self.given[c][s] += self.given["christian"][s]
        # old (pre-EYD) spellings: modern -> [old]
        self.old = OrderedDict()
        self.spelling_pairs = set()
        for r in self.variants:
            c, v = r["canonical"].upper(), r["variant"].upper()
            self.spelling_pairs.add((c, v))
            self.spelling_pairs.add((v, c))
            if "eyd_" in r["rule"] and re.fullmatch(r"[A-Z' -]+", v):
                self.old.setdefault(c, []).append(v)
        self.modern_of = {}
        for c, vs in self.old.items():
            for v in vs:
                self.modern_of.setdefault(v, c)
        self.eyd_given = {s: [n for n in self.given["malay"][s] if n in self.old] for s in ("M", "F")}
        # names that feel common (shorter, Muslim/Javanese) for namesakes
        self.common = {s: [n for n in self.given["malay"][s] if 3 <= len(n) <= 7 and " " not in n][:140]
                       for s in ("M", "F")}


# ---------------------------------------------------------------------------
# small helpers
DIGIT_FOR = {"O": "0", "I": "1", "B": "8", "S": "5", "A": "4", "E": "3", "G": "6", "Z": "2", "T": "7", "L": "1"}
DIGIT_W = {"O": 6, "I": 6, "B": 4, "S": 3, "A": 2, "E": 2, "G": 1, "Z": 1, "T": 1, "L": 1}
KEYS = {
    "Q": "WA", "W": "QESA", "E": "WRDS", "R": "ETFD", "T": "RYGF", "Y": "TUHG", "U": "YIJH",
    "I": "UOKJ", "O": "IPLK", "P": "OL", "A": "QWSZ", "S": "AWEDXZ", "D": "SERFCX", "F": "DRTGVC",
    "G": "FTYHBV", "H": "GYUJNB", "J": "HUIKMN", "K": "JIOLM", "L": "KOP", "Z": "ASX", "X": "ZSDC",
    "C": "XDFV", "V": "CFGB", "B": "VGHN", "N": "BHJM", "M": "NJK",
}
PAL_TITLE = {"M": ["KEMAS", "KIAGUS", "MASAGUS", "RADEN"], "F": ["NYIMAS", "NYAYU", "MASAYU", "RADEN AYU"]}
PAL_TITLE_PAIR = {"KEMAS": "NYIMAS", "KIAGUS": "NYAYU", "MASAGUS": "MASAYU", "RADEN": "RADEN AYU"}
PAL_TITLE_PAIR.update({v: k for k, v in list(PAL_TITLE_PAIR.items())})
PAL_ABBR = {"KEMAS": ["KMS."], "KIAGUS": ["KGS.", "KI AGUS"], "MASAGUS": ["MGS.", "MAS AGUS"],
            "RADEN": ["R.", "RD."], "NYIMAS": ["NYS.", "NYI MAS"], "NYAYU": ["NYA.", "NYI AYU"],
            "MASAYU": ["MSY.", "MAS AYU"], "RADEN AYU": ["R.A.", "R. AYU"]}
PREFIX_ABBR = {"MUHAMMAD": ["M.", "MUH.", "MOH.", "MHD."], "AHMAD": ["A."], "SITI": ["ST."], "ABDUL": ["ABD."]}
CURATED_TWINS = [  # (name1, sex1, name2, sex2)
    ("HASAN", "M", "HUSIN", "M"), ("HASAN", "M", "HUSEIN", "M"), ("HASAN", "M", "HUSAIN", "M"),
    ("RIZKI", "M", "RIZKA", "F"), ("PUTRA", "M", "PUTRI", "F"), ("FAJAR", "M", "FAJRI", "M"),
    ("INDRA", "M", "INDRI", "F"), ("WAHYU", "M", "WAHYUNI", "F"), ("FITRA", "M", "FITRI", "F"),
    ("RAHMAT", "M", "RAHMI", "F"), ("AZIZ", "M", "AZIZAH", "F"), ("HUSNI", "M", "HUSNA", "F"),
    ("ADI", "M", "ADE", "M"), ("AGUS", "M", "AGUNG", "M"), ("RINI", "F", "RINA", "F"),
    ("YANTI", "F", "YANTO", "M"), ("DEWI", "F", "DEWA", "M"), ("NANDA", "F", "NANDO", "M"),
    ("ILHAM", "M", "ILHAMI", "M"), ("ZAKI", "M", "ZAKIA", "F"), ("ANDI", "M", "ANDRE", "M"),
    ("EKA", "F", "EKO", "M"), ("LUTFI", "M", "LUTFIA", "F"), ("ARIF", "M", "ARIFA", "F"),
    ("SALSA", "F", "SALMA", "F"), ("NAILA", "F", "NAILI", "F"), ("RISKA", "F", "RISKI", "M"),
    ("DIMAS", "M", "DIMAR", "M"), ("RAFI", "M", "RAFA", "M"), ("FAHMI", "M", "FAHRI", "M"),
]
STREETS = [
    "JL. JENDERAL SUDIRMAN", "JL. KOL. H. BURLIAN", "JL. DEMANG LEBAR DAUN", "JL. KAPTEN A. RIVAI",
    "JL. R. SUKAMTO", "JL. MP. MANGKUNEGARA", "JL. MAYOR RUSLAN", "JL. VETERAN", "JL. MERDEKA",
    "JL. ANGKATAN 45", "JL. A. YANI", "JL. KH. AZHARI", "JL. PANGERAN AYIN", "JL. PUNCAK SEKUNING",
    "JL. PERINDUSTRIAN", "JL. D.I. PANJAITAN", "JL. TEMBOK BARU", "JL. SLAMET RIADY", "JL. SEI ITAM",
    "JL. MAYOR ZEN", "JL. RAMAKASIH", "JL. SERSAN SANI", "JL. KI MAROGAN", "JL. GUB. H. BASTARI",
    "JL. KEMAS RINDO", "JL. TALANG KERAMAT", "JL. SOEKARNO HATTA", "JL. RIMBA KEMUNING",
]
LORONG = ["MAWAR", "MELATI", "KENANGA", "SEPAKAT", "AMAN", "DAMAI", "SUKA KARYA", "BERSAMA",
          "SETIA", "HARAPAN", "BUNTU", "PERWIRA", "SWADAYA", "PINANG", "DUKU", "MANGGIS", "SAWO"]
KOMPLEK = ["PERUMNAS TALANG KELAPA", "KOMP. PUSRI", "KOMP. BUKIT SEJAHTERA", "PERUM OPI",
           "KOMP. BATAN", "PERUMNAS SAKO", "KOMP. GRIYA HARAPAN"]
GENERIC_KEL = ["PASAR BARU", "SUKAJADI", "SUKAMAJU", "TANJUNG RAYA", "KOTA BARU", "AIR ITAM",
               "TALANG JAWA", "KEMANG", "SIDOREJO", "KARANG ANYAR", "BATU RAJA LAMA", "SEKAR JAYA"]
ACAD_PRE = {"M": ["DRS.", "IR.", "DR."], "F": ["DRA.", "IR.", "DR."]}
ACAD_SUF = [", S.PD.", ", S.E.", ", S.H.", ", S.KOM.", ", S.T.", ", A.MD.", ", M.M.", ", S.SOS.", ", S.PD.I."]


def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def crude_norm(n):
    n = n.replace("V", "W").replace("IY", "Y").replace("DH", "D").replace("TH", "T").replace("OE", "U").replace("DJ", "J").replace("TJ", "C").replace("SJ", "SY").replace("CH", "KH")
    n = re.sub(r"(.)\1", r"\1", n)
    n = re.sub(r"(IE|Y)$", "I", n)
    return n


def days_in(month, year):
    return calendar.monthrange(year, month)[1]


def fmt_ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"


# ---------------------------------------------------------------------------
class Gen:
    def __init__(self, ref, seed):
        self.ref = ref
        self.rng = random.Random(seed)
        self.used_nik = set()
        self.rows = []       # (row dict, person_id, kind, detail)
        self.next_pid = 1
        self._twin_pairs()

    # -- randomness
    def r(self):
        return self.rng.random()

    def ch(self, seq):
        return self.rng.choice(seq)

    def wch(self, pairs):
        items, weights = zip(*pairs)
        return self.rng.choices(items, weights=weights, k=1)[0]

    def pid(self):
        p = "P%05d" % self.next_pid
        self.next_pid += 1
        return p

    # -- names
    def culture(self):
        return self.wch([("malay", 85), ("christian", 7), ("chinese", 6), ("balinese", 1), ("east", 1)])

    def name(self, sex, cul, family=None, given=None, pal_title=None, prefix=None):
        """Structured name: dict(title, prefix, given[list], family)."""
        ref = self.ref
        gpool = ref.given["christian" if cul == "east" else cul][sex]
        n = {"title": "", "prefix": "", "given": [], "family": ""}
        if cul == "malay":
            if pal_title is not None:
                n["title"] = pal_title
            elif self.r() < 0.06:
                n["title"] = self.ch(PAL_TITLE[sex])
            if prefix is not None:
                n["prefix"] = prefix
            else:
                x = self.r()
                if sex == "M":
                    n["prefix"] = "MUHAMMAD" if x < 0.20 else "AHMAD" if x < 0.27 else ""
                else:
                    n["prefix"] = "SITI" if x < 0.14 else "NUR" if x < 0.19 else ""
            n["given"] = [given or self.ch(gpool)]
            if family is not None:
                n["family"] = family
            else:
                x = self.r()
                if x < 0.35:
                    n["family"] = self.ch(ref.surname_like[sex])
                elif x < 0.55:
                    n["given"].append(self.ch(gpool))
                elif x < 0.70:
                    n["family"] = self.ch(ref.given["malay"]["M"])   # father's name as last name
        elif cul == "balinese":
            n["title"] = "I" if sex == "M" else "NI"
            n["given"] = [given or self.ch(gpool)]
            if family is not None:
                n["family"] = family
            elif self.r() < 0.5:
                n["given"].append(self.ch(gpool))
        else:
            n["given"] = [given or self.ch(gpool)]
            if self.r() < 0.3:
                n["given"].append(self.ch(gpool))
            fam_pool = {"christian": ref.marga, "chinese": ref.chinese_fam, "east": ref.east_fam}[cul]
            n["family"] = family if family is not None else self.ch(fam_pool)
        seen = {n["prefix"], n["title"]}
        given = []
        for g in n["given"]:           # no repeated token
            if g not in seen:
                given.append(g)
                seen.add(g)
        n["given"] = given or [self.ch([x for x in gpool if x not in seen])]
        if n["family"] in seen or n["family"] in n["given"]:
            n["family"] = ""
        return n

    @staticmethod
    def render(n, extra_pre="", extra_suf=""):
        toks, seen = [], set()
        for t in [extra_pre, n["title"], n["prefix"]] + n["given"] + [n["family"]]:
            if t and t not in seen:
                toks.append(t)
                seen.add(t)
        words = []
        for w in " ".join(toks).split():
            if not words or words[-1] != w:
                words.append(w)
        s = " ".join(words)
        return (s + extra_suf)[:80]

    def mother_name(self, cul):
        if cul == "malay":
            n = self.name("F", "malay")
            if self.r() < 0.6:
                n["title"] = ""
            if n["prefix"] and n["family"] and len(n["given"]) > 1:
                n["given"] = n["given"][:1]
            return self.render(n)
        pool = self.ref.given["christian" if cul == "east" else cul]["F"]
        s = self.ch(pool)
        if cul == "christian" and self.r() < 0.6:
            s += " BR. " + self.ch(self.ref.marga)
        elif self.r() < 0.5:
            s += " " + self.ch(pool if cul != "chinese" else self.ref.chinese_fam)
        return s

    def _twin_pairs(self):
        ref = self.ref
        pairs = []
        for sa, sb in (("M", "M"), ("F", "F"), ("M", "F")):
            pa = sorted(set(ref.given["malay"][sa]))
            pb = sorted(set(ref.given["malay"][sb]))
            for a in pa:
                if " " in a or len(a) < 4:
                    continue
                for b in pb:
                    if b <= a and sa == sb or " " in b or len(b) < 4 or a == b:
                        continue
                    if abs(len(a) - len(b)) > 1 or a[0] != b[0]:
                        continue
                    if lev(a, b) != 1:
                        continue
                    if (a, b) in ref.spelling_pairs or crude_norm(a) == crude_norm(b):
                        continue
                    pairs.append((a, sa, b, sb))
        self.twin_near = pairs

    # -- places, dates
    def birth(self, y0=1935, y1=1996):
        y = self.wch([(y, 3 if 1965 <= y <= 1994 else 1) for y in range(y0, y1 + 1)])
        m = self.rng.randint(1, 12)
        return dt.date(y, m, self.rng.randint(1, days_in(m, y)))

    def recorded(self, birth, lo=dt.date(2011, 8, 1), hi=dt.date(2014, 6, 30)):
        adult = dt.date(birth.year + 17, birth.month, min(birth.day, 28))
        lo = max(lo, adult)
        if lo > hi:
            hi = dt.date(2014, 12, 20)
        assert lo <= hi, (birth, lo)
        d = lo + dt.timedelta(days=self.rng.randint(0, (hi - lo).days))
        return dt.datetime(d.year, d.month, d.day, self.rng.randint(8, 15), self.rng.randint(0, 59),
                           self.rng.randint(0, 59))

    def later(self, t, min_days=1, max_days=1000):
        cap = dt.datetime(2014, 12, 30, 8, 0, 0)
        room = (cap - t).days
        if room <= 1:
            return t + dt.timedelta(minutes=self.rng.randint(20, 240))   # same day, later
        hi = max(1, min(max_days, room - 1))
        lo = min(min_days, hi)
        t2 = t + dt.timedelta(days=self.rng.randint(lo, hi))
        return t2.replace(hour=self.rng.randint(8, 15), minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59))

    def birthplace(self):
        x = self.r()
        if x < 0.62:
            return "PALEMBANG"
        if x < 0.88:
            return self.ref.birthplace_of(self.ch(self.ref.sumsel))
        return self.ref.birthplace_of(self.ch(self.ref.elsewhere))

    def pal_address(self, kec=None):
        kel = self.ch(self.ref.kel_by_kec[kec]) if kec else self.ch(self.ref.kel)
        x = self.r()
        if x < 0.45:
            a = "%s NO. %d" % (self.ch(STREETS), self.rng.randint(1, 250))
        elif x < 0.85:
            a = "%s LR. %s NO. %d" % (self.ch(STREETS), self.ch(LORONG), self.rng.randint(1, 120))
        else:
            a = "%s BLOK %s NO. %d" % (self.ch(KOMPLEK), self.ch("ABCDEFGHJK"), self.rng.randint(1, 40))
        return {"alamat": a, "rt": "%03d" % self.rng.randint(1, 45), "rw": "%03d" % self.rng.randint(1, 12),
                "kel": kel, "pal": True, "kab": "KOTA PALEMBANG", "prov": "SUMATERA SELATAN"}

    def other_address(self, k):
        prov = self.ref.prov_name[k["provinsi_kode"]]
        a = "%s NO. %d" % (self.ch(["JL. LINTAS SUMATERA", "JL. MERDEKA", "JL. PASAR LAMA", "JL. A. YANI",
                                     "JL. DIPONEGORO", "DUSUN II", "JL. LETNAN AMIR"]), self.rng.randint(1, 200))
        return {"alamat": a, "rt": "%03d" % self.rng.randint(1, 20), "rw": "%03d" % self.rng.randint(1, 8),
                "kel": None, "pal": False, "kab": k["name_legacy"], "prov": prov,
                "kel_text": self.ch(GENERIC_KEL), "kec_text": self.ref.birthplace_of(k)}

    # -- NIK
    def nik_date(self, b, sex):
        return "%02d%02d%02d" % (b.day + (40 if sex == "F" else 0), b.month, b.year % 100)

    def fresh_serial(self, prefix12, start=None):
        for _ in range(10000):
            s = start if start is not None else self.wch([(self.rng.randint(1, 60), 5),
                                                           (self.rng.randint(1, 600), 3),
                                                           (self.rng.randint(1, 9999), 1)])
            nik = prefix12 + "%04d" % s
            if nik not in self.used_nik:
                return nik
            start = None
        raise RuntimeError("no serial")

    def region_for(self, addr_kec):
        x = self.r()
        if addr_kec and x < 0.80:
            return "1671" + addr_kec
        if x < 0.90:
            return "1671" + self.ch(list(self.ref.kec))
        k = self.ch(self.ref.sumsel) if self.r() < 0.6 else self.ch(self.ref.elsewhere)
        return k["kode_nik"] + "%02d" % self.rng.randint(1, 15)

    # -- NIK validity (contract rules, as read)
    def nik_problem(self, nik):
        ref = self.ref
        if len(nik) != 16:
            return "nik_length"
        if not nik.isdigit():
            return "nik_not_digits"
        if nik[:2] not in ref.prov_codes:
            return "nik_unknown_province"
        if nik[:4] not in ref.kota_codes:
            return "nik_unknown_kota"
        if nik[:4] == "1671" and nik[4:6] not in ref.kec:
            return "nik_unknown_kecamatan"
        dd, mm = int(nik[6:8]), int(nik[8:10])
        if dd > 40:
            dd -= 40
        if not (1 <= mm <= 12) or not (1 <= dd <= 31) or int(nik[6:8]) in range(32, 41):
            return "nik_invalid_date"
        yy = int(nik[10:12])
        # a real day of that month, for either century reading
        if dd > max(days_in(mm, 1900 + yy), days_in(mm, 2000 + yy)):
            return "nik_invalid_date"
        if int(nik[12:]) == 0:
            return "nik_serial_zero"
        return None

    def nik_typo(self, nik, want):
        """want: 'valid' | 'bad_date' | 'bad_region'. One keystroke: substitution or swap."""
        for _ in range(5000):
            d = list(nik)
            if want == "valid":
                pos = self.wch([(12, 2), (13, 3), (14, 4), (15, 5), (4, 1), (5, 2), (6, 1), (7, 1), (8, 1), (9, 1), (10, 1), (11, 1)])
            elif want == "bad_date":
                pos = self.wch([(6, 3), (7, 2), (8, 3), (9, 2)])
            else:
                pos = self.wch([(0, 1), (1, 2), (2, 2), (3, 3), (4, 3), (5, 3)])
            if self.r() < 0.3 and pos < 15:
                if d[pos] == d[pos + 1]:
                    continue
                d[pos], d[pos + 1] = d[pos + 1], d[pos]
                how = "swap %d-%d" % (pos + 1, pos + 2)
            else:
                old = d[pos]
                d[pos] = str(self.rng.randint(0, 9))
                if d[pos] == old:
                    continue
                how = "digit %d %s->%s" % (pos + 1, old, d[pos])
            new = "".join(d)
            if new in self.used_nik:
                continue
            p = self.nik_problem(new)
            if want == "valid" and p is None:
                return new, how
            if want == "bad_date" and p == "nik_invalid_date":
                return new, how + " (" + p + ")"
            if want == "bad_region" and p in ("nik_unknown_province", "nik_unknown_kota", "nik_unknown_kecamatan") \
                    and new[6:12] == nik[6:12] and (pos >= 4 or self.r() < 0.5):
                return new, how + " (" + p + ")"
        raise RuntimeError("nik typo")

    # -- person
    def person(self, sex=None, cul=None, birth=None, nm=None, addr=None, region=None, mother=None, nik=None,
               birthplace=None):
        sex = sex or self.ch("MF")
        cul = cul or self.culture()
        birth = birth or self.birth()
        p = {"sex": sex, "cul": cul, "birth": birth}
        fresh_name = nm is None
        p["name"] = nm or self.name(sex, cul)
        if addr is None:
            addr = self.pal_address()
        p["addr"] = addr
        addr_kec = addr["kel"][0] if addr["pal"] else None
        if nik is None:
            region = region or self.region_for(addr_kec)
            nik = self.fresh_serial(region + self.nik_date(birth, sex))
        self.used_nik.add(nik)
        p["nik"] = nik
        p["birthplace"] = birthplace or ("PALEMBANG" if nik.startswith("1671") and self.r() < 0.8 else self.birthplace())
        p["gol"] = self.wch([("TIDAK TAHU", 42), ("-", 5), ("O", 15), ("A", 10), ("B", 12), ("AB", 4),
                             ("O+", 4), ("A+", 2), ("B+", 3), ("AB+", 1), ("O-", 1), ("B-", 1)])
        p["agama"] = {"malay": "ISLAM", "balinese": "HINDU", "east": "KRISTEN"}.get(cul) or (
            self.wch([("KRISTEN", 75), ("KATHOLIK", 20), ("ISLAM", 5)]) if cul == "christian" else
            self.wch([("BUDHA", 45), ("KRISTEN", 25), ("KATHOLIK", 20), ("KHONGHUCU", 10)]))
        p["mother"] = mother if mother is not None else self.mother_name(cul if cul != "east" else "christian")
        p["t0"] = self.recorded(birth)
        age = (p["t0"].date() - birth).days // 365
        p["status"] = self.status(age)
        p["job"] = self.job(sex, age)
        p["site"] = self.site(addr)
        p["pid"] = self.pid()
        if fresh_name and birth.year < 1960 and self.r() < 0.25:   # older people often keep the old spelling
            self.to_old(p["name"])
        return p

    def status(self, age):
        if age < 21:
            return self.wch([("BELUM KAWIN", 90), ("KAWIN", 10)])
        if age < 30:
            return self.wch([("BELUM KAWIN", 45), ("KAWIN", 52), ("CERAI HIDUP", 3)])
        if age < 60:
            return self.wch([("KAWIN", 85), ("BELUM KAWIN", 5), ("CERAI HIDUP", 4), ("CERAI MATI", 6)])
        return self.wch([("KAWIN", 60), ("CERAI MATI", 37), ("CERAI HIDUP", 3)])

    def job(self, sex, age):
        if age < 23 and self.r() < 0.7:
            return "PELAJAR/MAHASISWA"
        if age > 58 and self.r() < 0.45:
            return "PENSIUNAN"
        common = [("WIRASWASTA", 20), ("KARYAWAN SWASTA", 18), ("PEDAGANG", 6), ("PEGAWAI NEGERI SIPIL", 6),
                  ("BURUH HARIAN LEPAS", 8), ("GURU", 3), ("PERDAGANGAN", 2), ("SOPIR", 2), ("TUKANG BATU", 1),
                  ("PETANI/PEKEBUN", 1), ("BELUM/TIDAK BEKERJA", 4), ("KARYAWAN HONORER", 2),
                  ("NELAYAN/PERIKANAN", 1), ("PERAWAT", 1), ("TUKANG JAHIT", 1), ("MEKANIK", 1)]
        if sex == "F":
            common.append(("MENGURUS RUMAH TANGGA", 45))
        else:
            common += [("TENTARA NASIONAL INDONESIA", 1), ("KEPOLISIAN RI", 1), ("TRANSPORTASI", 2)]
        return self.wch(common)

    def site(self, addr):
        if addr["pal"] and self.r() < 0.7:
            return "KEC. " + self.ref.kec[addr["kel"][0]][0]
        return "DISDUKCAPIL PLG"

    # -- rendering a recording
    def row(self, p, t=None, **ov):
        a = ov.pop("addr", p["addr"])
        legacy = ov.pop("legacy", self.r() < 0.5)
        if a["pal"]:
            kel = a["kel"][2] if legacy else a["kel"][1]
            kecn = self.ref.kec[a["kel"][0]]
            kec = kecn[1].upper() if legacy else kecn[0]
        else:
            kel, kec = a["kel_text"], a["kec_text"]
        job = p["job"]
        if self.r() < 0.04:
            job = self.ref.job_code[job]
        elif self.r() < 0.03:
            alts = [k for k, v in self.ref.enum_alts.get("pekerjaan", {}).items() if v == job]
            job = alts[0] if alts else job
        agama = p["agama"]
        if agama in ("KATHOLIK", "BUDHA") and self.r() < 0.15:
            agama = {"KATHOLIK": "KATOLIK", "BUDHA": "BUDDHA"}[agama]
        row = {
            "recording_id": "",
            "nik": p["nik"],
            "nama": self.render(p["name"]),
            "tempat_lahir": p["birthplace"],
            "tanggal_lahir": p["birth"].isoformat(),
            "jenis_kelamin": "LAKI-LAKI" if p["sex"] == "M" else "PEREMPUAN",
            "golongan_darah": p["gol"],
            "alamat": a["alamat"],
            "rt": a["rt"], "rw": a["rw"],
            "kelurahan": kel, "kecamatan": kec,
            "kabupaten_kota": a["kab"], "provinsi": a["prov"],
            "agama": agama,
            "status_perkawinan": p["status"],
            "pekerjaan": job,
            "kewarganegaraan": "WNI",
            "nama_ibu": p["mother"],
            "recorded_at": fmt_ts(t or p["t0"]),
            "recording_site": ov.pop("site", p["site"]),
            "jenis_permohonan": "BARU",
        }
        row.update(ov)
        return row

    def emit(self, row, pid, kind, detail=""):
        self.rows.append((row, pid, kind, detail))

    # -- name edits
    def digit_typo(self, s, avoid_prefix=0):
        pos = [(i, DIGIT_W[c]) for i, c in enumerate(s) if c in DIGIT_FOR and i >= avoid_prefix]
        i = self.wch(pos)
        out = s[:i] + DIGIT_FOR[s[i]] + s[i + 1:]
        det = "%s->%s at %d" % (s[i], DIGIT_FOR[s[i]], i + 1)
        if self.r() < 0.15:
            pos2 = [(j, w) for j, w in pos if j != i]
            if pos2:
                j = self.wch(pos2)
                out = out[:j] + DIGIT_FOR[s[j]] + out[j + 1:]
                det += ", %s->%s at %d" % (s[j], DIGIT_FOR[s[j]], j + 1)
        return out, det

    def key_typo(self, s):
        letters = [i for i, c in enumerate(s) if c in KEYS and (i > 0 or self.r() < 0.1)]
        i = self.ch(letters)
        nb = self.ch(KEYS[s[i]])
        if self.r() < 0.75:
            return s[:i] + nb + s[i + 1:], "key %s->%s at %d" % (s[i], nb, i + 1)
        return s[:i + 1] + nb + s[i + 1:], "key insert %s after %d" % (nb, i + 1)

    def old_tokens(self, n):
        out = []
        for part in ("prefix", "given", "family"):
            vals = n[part] if part == "given" else [n[part]]
            for idx, v in enumerate(vals):
                if v in self.ref.old:
                    out.append((part, idx, v))
        return out

    def to_old(self, n):
        c = self.old_tokens(n)
        if not c:
            return None
        part, idx, v = self.ch(c)
        o = self.ch(self.ref.old[v])
        if part == "given":
            n["given"][idx] = o
        else:
            n[part] = o
        return "%s->%s" % (v, o)

    def titled(self, p):
        """Return (name_with_title, detail)."""
        n = dict(p["name"], given=list(p["name"]["given"]))
        age = (p["t0"].date() - p["birth"]).days // 365
        opts = []
        if n["title"] in PAL_ABBR:
            opts.append(("pal", 4))
        if n["prefix"] in PREFIX_ABBR:
            opts.append(("prefix", 2))
        if p["agama"] == "ISLAM" and age >= 30:
            opts.append(("haji", 4))
        if age >= 24:
            opts.append(("suffix", 3))
        if age >= 28:
            opts.append(("acad", 2))
        if not opts and age >= 21:
            opts = [("diploma", 1)]
        if not opts:
            return None, None
        k = self.wch(opts)
        if k == "pal":
            ab = self.ch(PAL_ABBR[n["title"]])
            det = "%s->%s" % (n["title"], ab)
            n["title"] = ab
            return self.render(n), det
        if k == "prefix":
            ab = self.ch(PREFIX_ABBR[n["prefix"]])
            det = "%s->%s" % (n["prefix"], ab)
            n["prefix"] = ab
            return self.render(n), det
        if k == "haji":
            t = "H." if p["sex"] == "M" else "HJ."
            return self.render(n, extra_pre=t), "+" + t
        if k == "acad":
            t = self.ch(ACAD_PRE[p["sex"]])
            return self.render(n, extra_pre=t), "+" + t
        t = self.ch(ACAD_SUF) if k == "suffix" else ", A.MD."
        return self.render(n, extra_suf=t), "+" + t.strip(", ")

    # -- natural drift between two recordings of one person (not a trap by itself)
    def drift(self, row, p, t_new):
        det = []
        if self.r() < 0.3:
            row["rt"], row["rw"] = str(int(row["rt"])), str(int(row["rw"]))
            det.append("rt/rw unpadded")
        if self.r() < 0.2:
            a = row["alamat"]
            a2 = a.replace("JL. ", "JLN. ", 1) if self.r() < 0.5 else a.replace("NO. ", "NO.")
            a2 = a2.replace(" LR. ", " LORONG ") if self.r() < 0.5 else a2
            if a2 != a:
                row["alamat"] = a2
                det.append("alamat spelling")
        gap = (t_new - p["t0"]).days
        if gap > 365 and p["status"] == "BELUM KAWIN" and self.r() < 0.25:
            row["status_perkawinan"] = "KAWIN"
            det.append("status BELUM KAWIN->KAWIN")
        if self.r() < 0.08:
            row["golongan_darah"] = "TIDAK TAHU" if p["gol"] not in ("TIDAK TAHU", "-") else self.ch(["O", "A", "B"])
            det.append("gol darah differs")
        if self.r() < 0.05:
            row["pekerjaan"] = self.job(p["sex"], 30)
            det.append("pekerjaan differs")
        if self.r() < 0.1:
            row["jenis_permohonan"] = "PENGGANTIAN"
            det.append("PENGGANTIAN")
        return det

    # =======================================================================
    def build(self):
        self.build_dups()
        self.build_twins()
        self.build_namesakes()
        self.build_father_son()
        self.build_siblings()
        self.build_singletons()

    # -- duplicates
    def build_dups(self):
        slots = []
        for k, n in DUP_KINDS.items():
            slots += [k] * n
        self.rng.shuffle(slots)
        persons = [[s] for s in slots]
        # merge some into three-recording persons (two different dup kinds)
        merged = []
        i = 0
        pairs_made = 0
        while i < len(persons):
            if pairs_made < N_SECOND_DUP and i + 1 < len(persons) and persons[i][0] != persons[i + 1][0] \
                    and "dup_moved_new_nik" not in (persons[i][0], persons[i + 1][0]) and self.r() < 0.25:
                merged.append(persons[i] + persons[i + 1])
                pairs_made += 1
                i += 2
            else:
                merged.append(persons[i])
                i += 1
        for kinds in merged:
            self.dup_person(kinds)

    def dup_person(self, kinds):
        need_old = "dup_old_spelling" in kinds
        moved = "dup_moved_new_nik" in kinds
        sex = self.ch("MF")
        cul = "malay" if need_old else None
        nm = None
        if need_old:
            nm = self.name(sex, "malay", given=self.ch(self.ref.eyd_given[sex]))
        elif "dup_title" in kinds and self.r() < 0.2:
            cul = "malay"
            nm = self.name(sex, "malay", pal_title=self.ch(PAL_TITLE[sex]))
        addr = None
        if moved and self.r() < 0.6:
            k = self.ch(self.ref.sumsel) if self.r() < 0.7 else self.ch(self.ref.elsewhere)
            addr = self.other_address(k)
            p = self.person(sex=sex, cul=cul, nm=nm, addr=addr,
                            region=k["kode_nik"] + "%02d" % self.rng.randint(1, 15),
                            birthplace=self.ref.birthplace_of(k) if self.r() < 0.6 else None)
        else:
            p = self.person(sex=sex, cul=cul, nm=nm,
                            birth=self.birth(1935, 1986) if ("dup_title" in kinds or "dup_combo" in kinds) else None)
        base_name = self.render(p["name"])
        orig_row = self.row(p)
        orig_detail = ""
        # decide the error rows first: some kinds may put the variant on the original
        out = []
        for k in kinds:
            t = self.later(p["t0"], 1, 1000)
            row = self.row(p, t, legacy=self.r() < 0.5)
            det = [] if k == "dup_exact" else self.drift(row, p, t)
            if k == "dup_exact":
                row = dict(orig_row)
                row["recorded_at"] = fmt_ts(t)
                det = ["identical except recording_id/recorded_at"]
            elif k == "dup_digit_typo":
                row["nama"], d = self.digit_typo(base_name)
                det.insert(0, d)
            elif k == "dup_keyboard_typo":
                row["nama"], d = self.key_typo(base_name)
                det.insert(0, d)
            elif k == "dup_nik_typo":
                row["nik"], d = self.nik_typo(p["nik"], "valid")
                self.used_nik.add(row["nik"])
                det.insert(0, d)
            elif k == "dup_nik_typo_bad_date":
                row["nik"], d = self.nik_typo(p["nik"], "bad_date")
                self.used_nik.add(row["nik"])
                det.insert(0, d)
            elif k == "dup_nik_typo_bad_region":
                row["nik"], d = self.nik_typo(p["nik"], "bad_region")
                self.used_nik.add(row["nik"])
                det.insert(0, d)
            elif k == "dup_missing_mother":
                row["nama_ibu"] = ""
                det.insert(0, "nama_ibu empty")
            elif k == "dup_missing_job_or_birthplace":
                f = "pekerjaan" if self.r() < 0.5 else "tempat_lahir"
                row[f] = ""
                det.insert(0, f + " empty")
            elif k == "dup_title":
                titled, d = self.titled(p)
                if self.r() < 0.3:       # the earlier recording carried the title, the new one not
                    orig_row["nama"] = titled
                    row["nama"] = base_name
                    d = "original has " + d
                else:
                    row["nama"] = titled
                det.insert(0, d)
            elif k == "dup_old_spelling":
                n2 = dict(p["name"], given=list(p["name"]["given"]))
                d = self.to_old(n2)
                if d is None:   # already old (pre-1960 person): go modern
                    n2 = dict(p["name"], given=[self.ref.modern_of.get(g, g) for g in p["name"]["given"]])
                    d = "old->modern"
                old_name = self.render(n2)
                if self.r() < 0.4:       # the earlier recording has the old spelling
                    orig_row["nama"] = old_name
                    row["nama"] = base_name
                    d = "original has old spelling " + d
                else:
                    row["nama"] = old_name
                det.insert(0, d)
            elif k == "dup_moved_new_nik":
                new_addr = self.pal_address()
                if p["addr"]["pal"]:
                    while new_addr["kel"][0] == p["addr"]["kel"][0]:
                        new_addr = self.pal_address()
                region = "1671" + new_addr["kel"][0]
                nik = self.fresh_serial(region + p["nik"][6:12])
                self.used_nik.add(nik)
                t = self.later(p["t0"], 120, 1200)
                row = self.row(p, t, addr=new_addr, nik=nik, site=self.site(new_addr))
                det = ["new NIK %s from %s (%s)" % (nik[:6], p["nik"][:6], p["addr"]["kab"])]
                det += self.drift(row, p, t)
                x = self.r()
                if x < 0.2:
                    n2 = dict(p["name"], given=list(p["name"]["given"]))
                    d = self.to_old(n2)
                    if d:
                        row["nama"] = self.render(n2)
                        det.append("spelling " + d)
                elif x < 0.35 and self.titled(p)[0]:
                    row["nama"], d = self.titled(p)
                    det.append("title " + d)
                elif x < 0.45:
                    row["nama"], d = self.key_typo(base_name)
                    det.append(d)
                if self.r() < 0.3:
                    row["pekerjaan"] = self.job(p["sex"], 30)
                    det.append("pekerjaan may differ")
            elif k == "dup_combo":
                det = self.combo(row, p, base_name) + det
            out.append((row, k, "; ".join(det)))
        self.emit(orig_row, p["pid"], "original", orig_detail)
        for row, k, d in out:
            self.emit(row, p["pid"], k, d)

    def combo(self, row, p, base_name):
        ops = ["digit", "key", "mother", "jobbp", "nik", "nikdate", "title", "old", "date_swap"]
        chosen = []
        while len(chosen) < self.ch([2, 2, 3]):
            o = self.ch(ops)
            if o in chosen or (o in ("nik", "nikdate") and ({"nik", "nikdate"} & set(chosen))) \
                    or (o in ("digit", "key", "title", "old") and ({"digit", "key", "title", "old"} & set(chosen))):
                continue
            if o == "old" and not self.old_tokens(p["name"]):
                continue
            if o == "date_swap" and (p["birth"].day > 12 or p["birth"].day == p["birth"].month):
                continue
            chosen.append(o)
        det = []
        for o in chosen:
            if o == "digit":
                row["nama"], d = self.digit_typo(row["nama"])
            elif o == "key":
                row["nama"], d = self.key_typo(row["nama"])
            elif o == "mother":
                row["nama_ibu"], d = "", "nama_ibu empty"
            elif o == "jobbp":
                f = self.ch(["pekerjaan", "tempat_lahir"])
                row[f], d = "", f + " empty"
            elif o in ("nik", "nikdate"):
                row["nik"], d = self.nik_typo(p["nik"], "valid" if o == "nik" else "bad_date")
                self.used_nik.add(row["nik"])
            elif o == "title":
                row["nama"], d = self.titled(p)
                assert d
            elif o == "old":
                n2 = dict(p["name"], given=list(p["name"]["given"]))
                d = self.to_old(n2)
                row["nama"] = self.render(n2)
            elif o == "date_swap":
                b = p["birth"]
                row["tanggal_lahir"] = dt.date(b.year, b.day, b.month).isoformat()
                d = "tanggal_lahir day/month swapped"
            det.append(d)
        return det

    # -- twins
    def build_twins(self):
        same_sex_idx = []
        twins = []
        for i in range(N_TWIN_PAIRS):
            x = self.r()
            if x < 0.30:
                a, sa, b, sb = self.ch(CURATED_TWINS)
                if self.r() < 0.5:
                    a, sa, b, sb = b, sb, a, sa
            elif x < 0.80:
                a, sa, b, sb = self.ch(self.twin_near)
                if self.r() < 0.5:
                    a, sa, b, sb = b, sb, a, sa
            else:
                sa, sb = self.ch("MF"), self.ch("MF")
                a = self.ch(self.ref.given["malay"][sa])
                b = self.ch([x for x in self.ref.given["malay"][sb] if x != a])
            birth = self.birth(1960, 1996)
            addr = self.pal_address()
            region = self.region_for(addr["kel"][0])
            cul = "malay"
            father = self.ch(self.ref.given["malay"]["M"] + self.ref.surname_like["M"])
            while father in (a, b):
                father = self.ch(self.ref.given["malay"]["M"])
            x = self.r()
            title_a = self.ch(PAL_TITLE[sa]) if x < 0.06 else ""
            title_b = (PAL_TITLE_PAIR[title_a] if sa != sb else title_a) if title_a else ""
            pre = ("MUHAMMAD" if sa == sb == "M" and self.r() < 0.3 else
                   "SITI" if sa == sb == "F" and self.r() < 0.2 else "")
            na = self.name(sa, cul, family=father, given=a, pal_title=title_a, prefix=pre)
            nb = self.name(sb, cul, family=father, given=b, pal_title=title_b, prefix=pre)
            na["given"], nb["given"] = [a], [b]
            mother = self.mother_name(cul)
            # consecutive serials; avoid a carry (…9 -> …0) so a one-key typo can collide
            prefix_a = region + self.nik_date(birth, sa)
            prefix_b = region + self.nik_date(birth, sb)
            for _ in range(1000):
                s = self.rng.randint(1, 300)
                if s % 10 == 9:
                    continue
                nik_a, nik_b = prefix_a + "%04d" % s, prefix_b + "%04d" % (s + 1)
                if nik_a not in self.used_nik and nik_b not in self.used_nik:
                    break
            bp = "PALEMBANG" if self.r() < 0.85 else self.birthplace()
            pa = self.person(sex=sa, cul=cul, birth=birth, nm=na, addr=addr, mother=mother, nik=nik_a, birthplace=bp)
            pb = self.person(sex=sb, cul=cul, birth=birth, nm=nb, addr=addr, mother=mother, nik=nik_b, birthplace=bp)
            if self.r() < 0.6:   # recorded together
                pb["t0"] = pa["t0"] + dt.timedelta(minutes=self.rng.randint(3, 25))
                pb["site"] = pa["site"]
            if self.r() < 0.5:
                pb["gol"] = pa["gol"]
            twins.append((pa, pb))
            if sa == sb:
                same_sex_idx.append(i)
        coll = set(self.rng.sample(same_sex_idx, N_TWIN_COLLISIONS))
        twin_dup_idx = set(self.rng.sample(range(N_TWIN_PAIRS), N_TWIN_DUP))
        for i, (pa, pb) in enumerate(twins):
            legacy = self.r() < 0.5
            ra = self.row(pa, legacy=legacy)
            rb = self.row(pb, legacy=legacy)
            ka, kb, da, db = "twin_a", "twin_b", "twin of " + pb["pid"], "twin of " + pa["pid"]
            if i in coll:
                if self.r() < 0.5:
                    rb["nik"] = pa["nik"]
                    kb, db = "twin_nik_collision", "carries twin %s's NIK (typo; own NIK %s)" % (pa["pid"], pb["nik"])
                else:
                    ra["nik"] = pb["nik"]
                    ka, da = "twin_nik_collision", "carries twin %s's NIK (typo; own NIK %s)" % (pb["pid"], pa["nik"])
            if self.r() < 0.08:   # one twin without the mother's name
                rb["nama_ibu"] = ""
                kb, db = (kb, db + "; nama_ibu empty")
            self.emit(ra, pa["pid"], ka, da)
            self.emit(rb, pb["pid"], kb, db)
            if i in twin_dup_idx:
                # a second recording of twin A (a real duplicate next to the other twin)
                t = self.later(pa["t0"], 1, 700)
                rd = self.row(pa, t)
                det = self.drift(rd, pa, t)
                mode = self.ch(["digit_at_diff", "digit", "mother", "exact", "title"])
                if mode == "title" and not self.titled(pa)[0]:
                    mode = "digit"
                base = self.render(pa["name"])
                other = self.render(pb["name"])
                if mode == "digit_at_diff":
                    # a digit where the twins' names differ: equally far from both names
                    diffs = [j for j, (c1, c2) in enumerate(zip(base, other)) if c1 != c2 and c1 in DIGIT_FOR]
                    if diffs and len(base) == len(other):
                        j = diffs[0]
                        rd["nama"] = base[:j] + DIGIT_FOR[base[j]] + base[j + 1:]
                        det.insert(0, "digit at the letter the twins differ in (%s)" % rd["nama"])
                    else:
                        mode = "digit"
                if mode == "digit":
                    rd["nama"], d = self.digit_typo(base)
                    det.insert(0, d)
                elif mode == "mother":
                    rd["nama_ibu"] = ""
                    det.insert(0, "nama_ibu empty")
                elif mode == "title":
                    rd["nama"], d = self.titled(pa)
                    det.insert(0, d)
                elif mode == "exact":
                    rd = dict(ra)
                    rd["nik"] = pa["nik"]
                    rd["recorded_at"] = fmt_ts(t)
                    det = ["same as twin A's recording"]
                self.emit(rd, pa["pid"], "twin_dup", "re-recording of twin A %s; " % pa["pid"] + "; ".join(det))

    # -- namesakes
    def common_name(self, sex):
        ref = self.ref
        x = self.r()
        g = self.ch(ref.common[sex])
        if sex == "M":
            pre = "MUHAMMAD" if x < 0.3 else "AHMAD" if x < 0.45 else ""
        else:
            pre = "SITI" if x < 0.3 else "NUR" if x < 0.38 else ""
        fam = ""
        y = self.r()
        if y < 0.45:
            fam = self.ch(ref.surname_like[sex][:40])
        elif y < 0.6:
            fam = self.ch(ref.common["M"])
        if not pre and not fam and self.r() < 0.5:
            fam = self.ch(ref.common[sex])
        return {"title": "", "prefix": pre, "given": [g], "family": fam if fam != g else ""}

    def build_namesakes(self):
        for i in range(N_NAMESAKE_PAIRS + N_NAMESAKE_SAME_DOB):
            same_dob = i >= N_NAMESAKE_PAIRS
            sex = self.ch("MF")
            nm = self.common_name(sex)
            pa = self.person(sex=sex, cul="malay", nm=nm)
            if same_dob:
                kec_b = self.ch([k for k in self.ref.kec if k != pa["addr"]["kel"][0]])
                addr_b = self.pal_address(kec_b)
                for _ in range(100):
                    pb = None
                    nik = self.fresh_serial("1671" + kec_b + pa["nik"][6:12])
                    if sum(x != y for x, y in zip(nik, pa["nik"])) >= 2:
                        break
                pb = self.person(sex=sex, cul="malay", birth=pa["birth"], addr=addr_b,
                                 nm=dict(nm, given=list(nm["given"])), nik=nik)
                kind, det = "namesake_same_dob", "same name and birth date, different mother/NIK/address"
            else:
                b = pa["birth"]
                x = self.r()
                if x < 0.25:   # same year, other day
                    m = self.rng.randint(1, 12)
                    birth = dt.date(b.year, m, self.rng.randint(1, days_in(m, b.year)))
                    if birth == b:
                        birth = b + dt.timedelta(days=40)
                    det = "same name, same birth year"
                else:
                    birth = self.birth()
                    while birth.year == b.year:
                        birth = self.birth()
                    det = "same name, other birth date"
                addr = self.pal_address(pa["addr"]["kel"][0]) if self.r() < 0.4 else None
                pb = self.person(sex=sex, cul="malay", birth=birth, nm=dict(nm, given=list(nm["given"])), addr=addr)
                kind = "namesake"
            if pb["mother"] == pa["mother"]:
                pb["mother"] = self.mother_name("malay")
            self.emit(self.row(pa), pa["pid"], kind, det + " (" + pb["pid"] + ")")
            self.emit(self.row(pb), pb["pid"], kind, det + " (" + pa["pid"] + ")")

    # -- father and son
    def build_father_son(self):
        for i in range(N_FATHER_SON):
            cul = self.wch([("malay", 80), ("christian", 12), ("chinese", 8)])
            fb = self.birth(1935, 1972)
            sb = None
            while sb is None or sb.year > 1996:
                y = fb.year + self.rng.randint(20, 35)
                m = self.rng.randint(1, 12)
                sb = dt.date(min(y, 1996), m, self.rng.randint(1, days_in(m, min(y, 1996))))
                if sb.year - fb.year < 18:
                    sb = None
            nm = self.name("M", cul)
            if not nm["family"] and len(nm["given"]) == 1 and self.r() < 0.5:
                nm["family"] = self.ch(self.ref.given["malay"]["M"])
            addr = self.pal_address()
            father = self.person(sex="M", cul=cul, birth=fb, nm=nm, addr=addr)
            father["status"] = self.wch([("KAWIN", 85), ("CERAI MATI", 15)])
            son_nm = dict(nm, given=list(nm["given"]))
            jr = self.r() < 0.5
            son = self.person(sex="M", cul=cul, birth=sb, nm=son_nm, addr=addr,
                              region="1671" + addr["kel"][0], birthplace="PALEMBANG")
            while son["mother"] == father["mother"]:
                son["mother"] = self.mother_name(cul)
            rf = self.row(father)
            rs = self.row(son)
            if jr:
                rs["nama"] = (rs["nama"] + " JR.")[:80]
            if self.r() < 0.2 and cul == "malay":
                rf["nama"] = "H. " + rf["nama"]
            same_day = self.r() < 0.3
            t_together = father["t0"] + dt.timedelta(minutes=self.rng.randint(2, 30))
            if same_day and t_together.date() >= dt.date(sb.year + 17, sb.month, min(sb.day, 28)):
                rs["recorded_at"] = fmt_ts(t_together)
                rs["recording_site"] = rf["recording_site"]
            d = "same name%s, same address" % (" + JR." if jr else "")
            self.emit(rf, father["pid"], "father_son", "father of %s; %s" % (son["pid"], d))
            self.emit(rs, son["pid"], "father_son", "son of %s; %s" % (father["pid"], d))

    # -- siblings
    def build_siblings(self):
        for i in range(N_SIBLING_PAIRS):
            if self.r() < 0.5:
                a, sa, b, sb = self.ch(self.twin_near)
            else:
                sa, sb = self.ch("MF"), self.ch("MF")
                a = self.ch(self.ref.given["malay"][sa])
                b = self.ch([x for x in self.ref.given["malay"][sb] if x != a])
            b1 = self.birth(1950, 1986)
            gap = self.rng.randint(400, 3600)
            b2 = b1 + dt.timedelta(days=gap)
            father = self.ch(self.ref.given["malay"]["M"])
            addr = self.pal_address()
            region = self.region_for(addr["kel"][0])
            mother = self.mother_name("malay")
            pre = "MUHAMMAD" if sa == sb == "M" and self.r() < 0.25 else ""
            pa = self.person(sex=sa, cul="malay", birth=b1, addr=addr, region=region, mother=mother,
                             nm=self.name(sa, "malay", family=father, given=a, pal_title="", prefix=pre))
            pb = self.person(sex=sb, cul="malay", birth=b2, addr=addr, region=region, mother=mother,
                             nm=self.name(sb, "malay", family=father, given=b, pal_title="", prefix=pre))
            pa["name"]["given"], pb["name"]["given"] = [a], [b]
            self.emit(self.row(pa), pa["pid"], "sibling", "sibling of %s, born %d days apart" % (pb["pid"], gap))
            self.emit(self.row(pb), pb["pid"], "sibling", "sibling of %s, born %d days apart" % (pa["pid"], gap))

    # -- singletons
    def build_singletons(self):
        for i in range(N_CLEAN):
            p = self.person()
            self.emit(self.row(p), p["pid"], "clean", "")
        for i in range(N_SINGLE_NOISY):
            p = self.person()
            row = self.row(p)
            e = self.wch([("digit", 25), ("mother", 35), ("job", 15), ("bp", 10), ("nikdate", 15)])
            if e == "digit":
                row["nama"], d = self.digit_typo(row["nama"])
            elif e == "mother":
                row["nama_ibu"], d = "", "nama_ibu empty"
            elif e == "job":
                row["pekerjaan"], d = "", "pekerjaan empty"
            elif e == "bp":
                row["tempat_lahir"], d = "", "tempat_lahir empty"
            else:
                row["nik"], d = self.nik_typo(p["nik"], "bad_date")
                self.used_nik.add(row["nik"])
            self.emit(row, p["pid"], "single_noisy", "only recording; " + d)
        for i in range(N_CLEAN_NIK_MISMATCH):
            p = self.person()
            nik, d = self.nik_typo(p["nik"], "valid") if False else (None, None)
            # NIK issued with a wrong date long ago (lifelong): day or month differs from tanggal_lahir
            b = p["birth"]
            wrong = b + dt.timedelta(days=self.ch([-1, 1, 10, -10, 31, 365]))
            prefix = p["nik"][:6] + self.nik_date(wrong, p["sex"])
            self.used_nik.discard(p["nik"])
            p["nik"] = self.fresh_serial(prefix)
            self.used_nik.add(p["nik"])
            self.emit(self.row(p), p["pid"], "clean_nik_date_mismatch", "NIK date %s vs birth %s" % (wrong, b))
        for i in range(N_CLEAN_OLD_REGION):
            k = self.ch(self.ref.old_only)
            p = self.person(region=k["kode_lama"].replace(".", "") + "%02d" % self.rng.randint(1, 15))
            self.emit(self.row(p), p["pid"], "clean_old_region_code", "NIK with pre-2022 code %s (%s)" % (
                k["kode_lama"], k["name"]))


# ---------------------------------------------------------------------------
# contract check (as read from docs/import-contract.md)
NAME_RE = re.compile(r"[A-Z .,'-]+")
TEXT_RE = re.compile(r"[A-Za-z0-9 .,'\-/()#:]+")
ID_RE = re.compile(r"[A-Za-z0-9_./-]{1,64}")
TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)")


def problems(g, row):
    ref = g.ref
    out = []
    if not ID_RE.fullmatch(row["recording_id"]):
        out.append(("bad_id", "recording_id"))
    p = g.nik_problem(row["nik"])
    if p:
        out.append((p, "nik"))
    for f in COLUMNS:
        if f not in ("recording_id",) and row[f] == "":
            out.append(("empty_field", f))
    for f in ("nama", "nama_ibu"):
        if row[f] and (not NAME_RE.fullmatch(row[f]) or len(row[f]) > 80):
            out.append(("invalid_characters", f))
    for f, n in (("tempat_lahir", 80), ("alamat", 160), ("kelurahan", 160), ("kecamatan", 160),
                 ("kabupaten_kota", 160), ("provinsi", 160), ("recording_site", 160)):
        if row[f] and (not TEXT_RE.fullmatch(row[f]) or len(row[f]) > n):
            out.append(("invalid_characters", f))
    try:
        b = dt.date.fromisoformat(row["tanggal_lahir"])
        if b.year < 1900 or b > dt.date.fromisoformat(row["recorded_at"][:10]):
            out.append(("implausible_date", "tanggal_lahir"))
    except ValueError:
        out.append(("invalid_date", "tanggal_lahir"))
    if not TS_RE.fullmatch(row["recorded_at"]):
        out.append(("invalid_timestamp", "recorded_at"))
    enum = ref.enum
    if row["jenis_kelamin"] not in enum["jenis_kelamin"]:
        out.append(("invalid_value", "jenis_kelamin"))
    if row["golongan_darah"] not in enum["golongan_darah"] + ["-"]:
        out.append(("invalid_value", "golongan_darah"))
    for f in ("agama", "status_perkawinan", "kewarganegaraan"):
        if row[f] not in enum[f] and row[f] not in ref.enum_alts.get(f, {}):
            out.append(("invalid_value", f))
    j = row["pekerjaan"]
    if j and j not in enum["pekerjaan"] and j not in ref.enum_alts["pekerjaan"] and \
            not (j.isdigit() and 1 <= int(j) <= 89):
        out.append(("invalid_value", "pekerjaan"))
    for f in ("rt", "rw"):
        if not re.fullmatch(r"\d{1,3}", row[f]):
            out.append(("invalid_rt_rw", f))
    if row["jenis_permohonan"] not in ("BARU", "PENGGANTIAN"):
        out.append(("invalid_value", "jenis_permohonan"))
    if row["kabupaten_kota"] == "KOTA PALEMBANG":
        ok = False
        for k, (n25, nleg) in ref.kec.items():
            if row["kecamatan"] in (n25, nleg.upper()):
                for _, k25, kleg in ref.kel_by_kec[k]:
                    if row["kelurahan"] in (k25, kleg):
                        ok = True
        if not ok:
            out.append(("unknown_kelurahan", "kelurahan"))
    return out


def warnings(row):
    w = []
    nik = row["nik"]
    if not nik.isdigit() or len(nik) != 16:
        return w
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), nik[10:12]
    b = row["tanggal_lahir"]
    woman = row["jenis_kelamin"] == "PEREMPUAN"
    if (dd > 40) != woman:
        w.append("nik_sex_mismatch")
    if dd > 40:
        dd -= 40
    if (dd, mm, yy) != (int(b[8:10]), int(b[5:7]), b[2:4]):
        w.append("nik_birth_date_mismatch")
    return w


ALLOWED = {
    "dup_digit_typo": {("invalid_characters", "nama")},
    "dup_nik_typo_bad_date": {("nik_invalid_date", "nik")},
    "dup_nik_typo_bad_region": {("nik_unknown_province", "nik"), ("nik_unknown_kota", "nik"),
                                ("nik_unknown_kecamatan", "nik")},
    "dup_missing_mother": {("empty_field", "nama_ibu")},
    "dup_missing_job_or_birthplace": {("empty_field", "pekerjaan"), ("empty_field", "tempat_lahir")},
}
NOISY = {("invalid_characters", "nama"), ("nik_invalid_date", "nik"), ("empty_field", "nama_ibu"),
         ("empty_field", "pekerjaan"), ("empty_field", "tempat_lahir")}
ALLOWED["dup_combo"] = NOISY
ALLOWED["single_noisy"] = NOISY
ALLOWED["twin_dup"] = NOISY
ALLOWED["twin_b"] = ALLOWED["twin_nik_collision"] = {("empty_field", "nama_ibu")}
MUST_HAVE_PROBLEM = {"dup_digit_typo", "dup_nik_typo_bad_date", "dup_nik_typo_bad_region", "dup_missing_mother",
                     "dup_missing_job_or_birthplace", "single_noisy"}


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if "--seed" in argv:
        seed = int(argv[argv.index("--seed") + 1])
        args = [a for a in args if a != str(seed)]
    else:
        seed = SEED
    data = find_data(argv)
    args = [a for a in args if a != data]
    if not args:
        sys.exit(__doc__)
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    g = Gen(Ref(data), seed)
    g.build()

    rows = g.rows
    g.rng.shuffle(rows)
    for i, (row, pid, kind, det) in enumerate(rows, 1):
        row["recording_id"] = "ADV12-%05d" % i

    # self-check against the contract as read, and the truth's internal consistency
    kinds = Counter()
    probs = Counter()
    warns = Counter()
    nik_owner = {}
    for row, pid, kind, det in rows:
        kinds[kind] += 1
        ps = problems(g, row)
        for code, col in ps:
            probs["%s:%s" % (code, col)] += 1
        allowed = ALLOWED.get(kind, set())
        bad = [x for x in ps if x not in allowed]
        assert not bad, (kind, bad, row, det)
        if kind in MUST_HAVE_PROBLEM:
            assert ps, (kind, row, det)
        for w in warnings(row):
            warns[w] += 1
        nik_owner.setdefault(row["nik"], set()).add(pid)
    shared = {n: o for n, o in nik_owner.items() if len(o) > 1}
    coll = kinds["twin_nik_collision"]
    assert len(shared) == coll, (len(shared), coll)

    def write(name, header, data_rows):
        with open(os.path.join(outdir, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(data_rows)

    write("recordings.csv", COLUMNS, ([r[c] for c in COLUMNS] for r, _, _, _ in rows))
    write("truth.csv", ["recording_id", "person_id"], ([r["recording_id"], p] for r, p, _, _ in rows))
    write("kinds.csv", ["recording_id", "kind"], ([r["recording_id"], k] for r, _, k, _ in rows))
    write("details.csv", ["recording_id", "detail"], ([r["recording_id"], d] for r, _, _, d in rows))

    persons = Counter(p for _, p, _, _ in rows)
    print("rows %d, persons %d, persons with >1 recording %d (duplicate rows %d)" % (
        len(rows), len(persons), sum(1 for c in persons.values() if c > 1),
        sum(c - 1 for c in persons.values())))
    for k, n in sorted(kinds.items()):
        print("  %-32s %5d" % (k, n))
    print("field problems:", dict(sorted(probs.items())))
    print("warnings:", dict(sorted(warns.items())))


if __name__ == "__main__":
    main(sys.argv)
