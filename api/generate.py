"""Synthetic OpenAlex works for tests and benchmarks: realistic, skewed, deterministic by seed.

`generate_openalex_works(papers, seed)` yields OpenAlex snapshot work objects (the JSON of one line of
/data/works) that `api.ingest.openalex.read_openalex` accepts; `write_openalex_works` writes them as
gzipped JSON lines. The same (papers, seed) gives the same records and a byte-identical file (orjson
keeps key order, the gzip header carries no name and no time); memory stays constant whatever the size
(about 5 MB of state: a citation reservoir, bounded caches of people, institutions and journals).

What the data looks like (the knobs are the module's constants):

- Works come in publication order, 1990-01-01 to 2026-12-31, with output growing about 4.5% a year;
  3-12% give only publication_year (more of them before 2000). A work's references point only to works
  earlier in the file.
- Authors per work: log-normal, median 4 (3 in 1990, 5 in 2026), 1 to 50. People are drawn by a Zipf law
  over ranks (P(rank r) ~ r^-1/2 over 3 people per work), so a few people are on thousands of works
  of a 1M-work file while the median person has one or two; each work has a lead author and most of the
  others come from the lead's fixed team of 15, so that coauthorships repeat.
- People: names of 19 naming cultures (accents, hyphenated and compound surnames, particles, a few in
  Chinese or Cyrillic script, common names shared by different people). A person appears under variants
  of their name (without accents, initials, with or without the middle name, family name first,
  transliterations such as Müller/Mueller or Satō/Satoh, Unicode NFD): always with the same OpenAlex
  author id and ORCID (55% have one), except a few percent of authorships filed under a second author id
  of the same person ("split profile") that shares the ORCID. Home institution by naming culture's
  countries; some people move once in their career; some authorships have no or two institutions.
- Institutions (about 500): OpenAlex id, a valid ROR id (ISO 7064 mod 97-10 check digits), country,
  type, raw affiliation strings. Journals (300) with ISSN-L and their publisher's DOI style. Both are the
  same for every seed, as two real dumps share them.
- Citations: each reference is, with probability 0.6, preferential attachment (a uniform draw from a
  reservoir sample of every citation made so far: Price's model, P ~ citations received) and otherwise a
  recency-biased draw among the earlier works; about 12% of works cite nothing. The in-degree is heavy-tailed.
  `cited_by_count` is the source's own (heavy-tailed, growing with age), not the in-file count.
- Ids: DOIs for about 70% of works (Elsevier, Springer, IEEE, APS, PLOS, Nature, Wiley with old SICI DOIs,
  ACS and small publishers), arXiv ids for about 15% (old-style archive/YYMMNNN before April 2007,
  YYMM.NNNN(N) after; in arxiv.org locations, some as the 10.48550/arXiv DataCite DOI), MAG ids.
- Each seed's works, people and ids are its own: a second seed's file is new data, so an import of it
  into a database holding the first measures growth. arXiv numbers, a small space, are dealt out in 16
  lanes by seed % 16 (seeds in different lanes never share one); the other ids are scrambled by a key
  drawn from the seed.
- Titles are unique by construction up to 157M works (a bijection from the work's number to a template and
  words), except about 0.1% of generic titles ("Editorial", "Erratum") as real dumps have. Abstracts
  (65% of works, 30 to 400 words) come from a Zipf vocabulary as abstract_inverted_index.

`scholargraph generate openalex --papers N --seed S --out FILE` (or `python -m api.generate openalex …`)
writes a file (gzipped if FILE ends in .gz), or plain JSON lines to standard output with `--out -`.
"""

# The pseudo-random generators here make test data, not secrets; the Turkish dotless i (U+0131) is meant.
# ruff: noqa: S311, RUF001

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gzip
import itertools
import json
import math
import operator
import os
import queue
import random
import sys
import threading
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import orjson

from api.errors import ConfigurationError
from api.ids import orcid_check_digit

GENERATOR_VERSION = 2
"""Bumped whenever the output for a given (papers, seed) changes: cached files name it."""

FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2026, 12, 31)
GROWTH_PER_YEAR = 0.045
YEAR_ONLY_BEFORE_2000 = 0.12
YEAR_ONLY_AFTER_2000 = 0.03

AUTHORS_MEDIAN_FIRST, AUTHORS_MEDIAN_LAST = 3.0, 5.0
AUTHORS_SIGMA = 0.75
MAX_AUTHORS = 50
PEOPLE_PER_WORK = 3.0
PEOPLE_ZIPF_POWER = 2.0  # rank = M * u**2: P(rank r) ~ r**-1/2 (Lotka-like: people with >= n works ~ n**-2)
TEAM_SIZE = 15
FROM_TEAM = 0.65
ORCID_SHARE = 0.55
SPLIT_PROFILE = 0.03
CANONICAL_NAME = 0.7

REFERENCES_MEDIAN_FIRST, REFERENCES_MEDIAN_LAST = 8.0, 22.0
REFERENCES_SIGMA = 0.8
NO_REFERENCES = 0.12
MAX_REFERENCES = 200
PREFERENTIAL = 0.6
RECENCY_POWER = 2.0
RESERVOIR = 1 << 18

DOI_FIRST, DOI_LAST = 0.55, 0.8
ABSTRACT_SHARE = 0.65
ABSTRACT_MEDIAN_WORDS = 150
GENERIC_TITLES = 0.001

ARXIV_LANES = 16  # seeds s and t with s % 16 != t % 16 never share an arXiv id

_MASK = (1 << 64) - 1
_SHARED_KEY = 0x5EED0FA11  # the key of what all seeds share: institutions, journals
_DAYS = (LAST_DAY - FIRST_DAY).days + 1
_GROWTH_PER_DAY = GROWTH_PER_YEAR / 365.25
_TIME_SPAN = math.expm1(_GROWTH_PER_DAY * _DAYS)
_OPENALEX = "https://openalex.org/"


def _mix(value: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _unit(value: int) -> float:
    """A float in [0, 1) from a hash."""
    return (value >> 11) * (1.0 / (1 << 53))


# --- names ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Culture:
    key: str
    weight: float
    countries: tuple[str, ...]
    given: tuple[str, ...]
    family: tuple[str, ...]
    middle: float = 0.0  # share of people with a middle name (a second given name)
    family_first: bool = False  # names also written family name first
    double_family: float = 0.0  # share with two family names (García López, García-López)


def _words(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


_CULTURES = (
    _Culture("zh", 0.20, ("CN", "CN", "CN", "TW", "SG", "HK"), _words(
        "Wei, Jing, Li, Min, Jie, Lei, Jun, Yan, Hui, Tao, Ming, Hong, Yu, Fang, Ping, Qiang, Xin, Hao, Yi, Ying, "
        "Xiao|ming, Xiao|yu, Jian|guo, Zhi|wei, Yan|hong, Hai|yan, Jian|hua, Xiao|hong, Guo|qiang, Yu|xuan, "
        "Zi|han, Yi|ming, Jia|qi, Hao|ran, Shuang, Xue|ying, Chun|lei, Wen|jie, Li|hua, Dong|mei"), _words(
        "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, He, Gao, Lin, Luo, "
        "Zheng, Liang, Xie, Song, Tang, Han, Feng, Deng, Cao, Peng, Zeng, Xiao, Tian, Dong, Pan, Yuan, Cai, Jiang, "
        "Yu, Du, Ye, Cheng, Wei, Lü"), family_first=True),
    _Culture("en", 0.16, ("US", "US", "US", "GB", "GB", "CA", "AU", "NZ", "IE"), _words(
        "James, Mary, John, Patricia, Robert, Jennifer, Michael, Linda, David, Elizabeth, William, Susan, Richard, "
        "Sarah, Thomas, Emily, Daniel, Rachel, Matthew, Laura, Andrew, Hannah, Christopher, Megan, Brian, "
        "Katherine, Zoë, Renée, Siobhán, Seán"), _words(
        "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Thomas, Moore, Martin, "
        "Jackson, Thompson, White, Harris, Clark, Lewis, Robinson, Walker, Young, Allen, King, Wright, Scott, "
        "O'Brien, O'Connor, McDonald, MacLeod, Ó Súilleabháin"), middle=0.45),
    _Culture("de", 0.06, ("DE", "DE", "AT", "CH"), _words(
        "Jürgen, Jörg, Günter, Björn, Uwe, Klaus, Stefan, Andreas, Matthias, Sebastian, Katharina, Anja, Jörn, "
        "Sören, Bärbel, Ute, Lena, Tobias, Maximilian, Franziska, Hans-Peter, Karl-Heinz"), _words(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schäfer, Koch, Bauer, Richter, "
        "Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Krüger, Hoffmann, Groß, Weiß, Köhler, Jäger, Böhm, "
        "von Thünen, Döring"), middle=0.15),
    _Culture("fr", 0.06, ("FR", "FR", "FR", "BE", "CH", "CA"), _words(
        "François, Hélène, Jérôme, Stéphane, Frédéric, Cécile, Élodie, Amélie, Benoît, Loïc, Gaëlle, "
        "Jean-Pierre, Jean-Luc, Marie-Claire, Anne-Sophie, Rémi, Thérèse, Noël, Chloé, Raphaël, Zoé, Mathieu, "
        "Nicolas, Céline"), _words(
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Lefèvre, Lefebvre, "
        "Fournier, Girard, Bonnet, Dupont, Lambert, Fontaine, Rousseau, Mercier, Blanc, Guérin, Faure, André, "
        "Chevalier, Gauthier, Perrin, Bérenger, Lemaître, de La Fontaine, Duchêne"), middle=0.1),
    _Culture("es", 0.07, ("ES", "ES", "MX", "AR", "CO", "CL", "PE"), _words(
        "José, María, Jesús, Ángel, Raúl, Sofía, Lucía, Martín, Andrés, Inés, Begoña, Íñigo, Julián, Verónica, "
        "María José, Juan Carlos, Nuria, Álvaro, Mónica, Sebastián"), _words(
        "García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz, "
        "Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Núñez, Peña, Ibáñez, Castaño, "
        "de la Cruz"), double_family=0.45),
    _Culture("pt", 0.04, ("BR", "BR", "BR", "PT"), _words(
        "João, José, António, Conceição, Gonçalo, Inês, Sérgio, Fábio, Luís, Márcio, Patrícia, Letícia, Thaís, "
        "Vinícius, Ana Luísa, Maria Clara"), _words(
        "Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Ribeiro, Carvalho, "
        "Araújo, Magalhães, Gonçalves, Simões, Assunção, da Silva, dos Santos"), double_family=0.35),
    _Culture("it", 0.04, ("IT",), _words(
        "Giuseppe, Giovanni, Niccolò, Nicolò, Francesca, Chiara, Luca, Matteo, Alessandro, Giulia, Federica, "
        "Lorenzo, Elisa, Andrea, Stefano, Gian Marco"), _words(
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, Conti, "
        "De Luca, Mancini, Costa, Giordano, Lombardi, D'Angelo, Fabbrì")),
    _Culture("in", 0.07, ("IN", "IN", "IN", "US", "GB"), _words(
        "Rahul, Priya, Amit, Sanjay, Anjali, Vikram, Deepak, Sunita, Arjun, Kavita, Srinivasan, Lakshmi, "
        "Venkatesh, Ananya, Rajesh, Meera, Suresh, Karthik, Divya"), _words(
        "Sharma, Patel, Singh, Kumar, Gupta, Reddy, Iyer, Nair, Rao, Mehta, Chatterjee, Banerjee, Mukherjee, "
        "Das, Joshi, Agarwal, Krishnan, Pillai, Bhattacharya, Menon"), middle=0.2),
    _Culture("ja", 0.05, ("JP",), _words(
        "Hiroshi, Takashi, Yuki, Kenji, Akira, Satoshi, Naoko, Yōko, Keiko, Shunsuke, Ryōta, Kōji, Shūhei, "
        "Yūko, Daisuke, Haruka, Takumi, Kazuo"), _words(
        "Satō, Suzuki, Takahashi, Tanaka, Watanabe, Itō, Yamamoto, Nakamura, Kobayashi, Katō, Yoshida, Yamada, "
        "Sasaki, Yamaguchi, Matsumoto, Inoue, Kimura, Hayashi, Shimizu, Saitō, Ōno, Kōno")),
    _Culture("ko", 0.03, ("KR",), _words(
        "Min-jun, Seo-yeon, Ji-hoon, Hyun-woo, Ji-young, Sung-min, Eun-ji, Dong-hyun, Jae-won, Soo-jin, Young-ho"),
        _words("Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Shin, Oh, Seo, Kwon, Hwang"),
        family_first=True),
    _Culture("nordic", 0.03, ("SE", "NO", "DK", "FI", "IS"), _words(
        "Søren, Bjørn, Åsa, Jørgen, Ørjan, Kåre, Sigríður, Guðrún, Þór, Jón, Björk, Magnús, Päivi, Jukka, Mikko, "
        "Åke, Göran, Lars, Ingrid, Sven"), _words(
        "Jensen, Nielsen, Hansen, Pedersen, Andersen, Sørensen, Løvås, Bråten, Ødegård, Åberg, Ångström, "
        "Lindqvist, Johansson, Nyström, Guðmundsdóttir, Jónsson, Virtanen, Mäkinen, Häkkinen, Järvinen"),
        middle=0.1),
    _Culture("pl_cs", 0.03, ("PL", "PL", "CZ"), _words(
        "Łukasz, Paweł, Małgorzata, Agnieszka, Wojciech, Michał, Bartłomiej, Grzegorz, Zdeněk, Jiří, Tomáš, "
        "Lukáš, Petr, Věra, Kateřina, Radim, Miloš"), _words(
        "Kowalski, Wiśniewski, Wójcik, Kamiński, Lewandowski, Zieliński, Szymański, Woźniak, Dąbrowski, "
        "Kozłowski, Dvořák, Novotný, Svoboda, Černý, Procházka, Kučera, Veselý, Horák, Němec, Růžička")),
    _Culture("ru", 0.03, ("RU",), _words(
        "Aleksandr, Dmitry, Sergey, Andrei, Alexey, Olga, Natalia, Ekaterina, Yuri, Mikhail, Tatiana, "
        "Svetlana, Vladimir, Ivan, Pavel"), _words(
        "Ivanov, Smirnov, Kuznetsov, Popov, Vasiliev, Petrov, Sokolov, Mikhailov, Novikov, Fedorov, Morozov, "
        "Volkov, Alekseev, Lebedev, Semenov, Egorov, Pavlov, Kozlov, Stepanov, Nikolaev")),
    _Culture("vi", 0.02, ("VN",), _words(
        "Văn An, Thị Hương, Minh Tuấn, Đức Anh, Thị Lan, Quốc Bảo, Thanh Hải, Hoàng Long, Ngọc Ánh"), _words(
        "Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương"), family_first=True),
    _Culture("tr", 0.02, ("TR",), _words(
        "Mehmet, Ayşe, Fatma, Mustafa, Emre, Özge, Gökhan, Çağrı, Şule, Barış, İbrahim, Oğuz, Gülşen, Ömer"),
        _words(
        "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, Doğan, Kılıç, "
        "Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek")),
    _Culture("ar", 0.03, ("EG", "SA", "MA", "TN", "JO", "AE"), _words(
        "Mohamed, Ahmed, Fatima, Omar, Youssef, Khaled, Layla, Hassan, Nour, Karim, Amira, Samir, Rania, Tarek"),
        _words(
        "El-Sayed, Abdel-Rahman, Haddad, Al-Farsi, Mansour, Khalil, Nasser, Saleh, Hamdan, Ibrahim, Aziz, "
        "Benali, Bouzid, Ben Ammar")),
    _Culture("nl", 0.02, ("NL", "NL", "BE"), _words(
        "Jan, Pieter, Sanne, Joost, Maarten, Femke, Willem, Daan, Lotte, Ruud, Anouk, Bram"), _words(
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, de Boer, "
        "Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer"), middle=0.2),
    _Culture("el", 0.01, ("GR", "CY"), _words(
        "Giorgos, Dimitris, Konstantinos, Eleni, Maria, Nikos, Ioannis, Katerina, Panagiotis, Sofia"), _words(
        "Papadopoulos, Papadakis, Georgiou, Oikonomou, Nikolaidis, Karagiannis, Vlachos, Alexiou, "
        "Christodoulou, Dimitriou")),
    _Culture("other", 0.03, ("ZA", "NG", "KE", "IL", "IR", "PK", "ID", "TH"), _words(
        "Thabo, Chinedu, Wanjiru, Yael, Reza, Ayesha, Budi, Somchai, Ngozi, Amir, Dewi, Kwame"), _words(
        "Nkosi, Okafor, Mwangi, Cohen, Hosseini, Khan, Santoso, Srisuk, Adeyemi, Levi, Rahimi, Mensah")),
)  # fmt: skip
_CULTURE_BY_KEY = {culture.key: culture for culture in _CULTURES}
_CULTURE_CUMULATIVE = tuple(itertools.accumulate(c.weight for c in _CULTURES))

# People of these cultures are sometimes shown in their own script (about 1 in 50).
_HANZI_FAMILY = {"Wang": "王", "Li": "李", "Zhang": "张", "Liu": "刘", "Chen": "陈", "Yang": "杨", "Huang": "黄"}
_HANZI_GIVEN = {"Wei": "伟", "Jing": "静", "Li": "丽", "Min": "敏", "Jie": "杰", "Lei": "磊", "Jun": "军", "Ming": "明"}
_CYRILLIC = str.maketrans(
    "abvgdezijklmnoprstufhcyABVGDEZIJKLMNOPRSTUFHCY", "абвгдезийклмнопрстуфхцыАБВГДЕЗИЙКЛМНОПРСТУФХЦЫ"
)
_FOLD_EXTRA = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "đ": "d", "Đ": "D", "ð": "d",
     "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "œ": "oe", "Œ": "OE"}
)  # fmt: skip
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_JAPANESE = str.maketrans({"ō": "oh", "ū": "u", "Ō": "Oh", "Ū": "U"})
_NORDIC = str.maketrans({"ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "æ": "ae", "ö": "oe", "ä": "ae"})


def fold(name: str) -> str:
    """`name` without accents or special letters (García -> Garcia, Łukasz -> Lukasz, Groß -> Gross)."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _initials(given: str, *, dots: bool = True) -> str:
    """J. for José, J.-P. for Jean-Pierre, M. J. for María José; JP without dots."""
    parts = []
    for word in given.split(" "):
        pieces = [p[:1] for p in word.split("-") if p]
        parts.append(("-".join(p + "." for p in pieces)) if dots else "".join(pieces))
    return (" " if dots else "").join(parts)


@lru_cache(maxsize=1 << 14)
def _variants(
    culture_key: str, given: str, middle: str | None, family: str, first_family: str | None, native: bool
) -> tuple[str, ...]:
    """The ways one person's name is written: the canonical form first, then the variants (no repeats);
    `native`: also in the person's script (Chinese, Cyrillic).

    `given` may mark syllables with "|" (Xiao|ming: Xiaoming, Xiao-Ming, Xiao Ming); `first_family` is the
    first of two family names (García of García López), which some sources keep alone.
    """
    culture = _CULTURE_BY_KEY[culture_key]
    syllables = given.split("|")
    given = syllables[0] + "".join(s.lower() for s in syllables[1:])
    full_given = f"{given} {middle}" if middle else given
    canonical = f"{full_given} {family}"
    found = [canonical, fold(canonical), f"{_initials(full_given)} {family}"]
    found.append(f"{_initials(full_given, dots=False)} {family}")
    if middle:
        found += [f"{given} {family}", f"{given} {middle[0]}. {family}"]
    if first_family:
        found.append(f"{full_given} {first_family}")
    if len(syllables) > 1:
        found += [f"{sep.join(s.capitalize() for s in syllables)} {family}" for sep in "- "]
    if culture.key == "ko" and "-" in given:
        found += [f"{given.replace('-', '')} {family}", f"{given.replace('-', ' ').title()} {family}"]
    if culture.family_first:
        found += [f"{family} {given}", fold(f"{family} {given}")]
    if culture.key == "de":
        found.append(canonical.translate(_GERMAN))
    if culture.key == "ja":
        found.append(canonical.translate(_JAPANESE))
    if culture.key == "nordic":
        found.append(canonical.translate(_NORDIC))
    if culture.key == "ar":
        found.append(canonical.replace("Mohamed", "Mohammed").replace("El-", "El ").replace("Al-", "al-"))
    if culture.key == "zh" and native and family in _HANZI_FAMILY and given in _HANZI_GIVEN:
        found.append(_HANZI_FAMILY[family] + _HANZI_GIVEN[given])
    if culture.key == "ru" and native:
        found.append(fold(canonical).translate(_CYRILLIC))
    if canonical != fold(canonical):
        found.append(unicodedata.normalize("NFD", canonical))  # decomposed accents, as some sources send them
    return tuple(dict.fromkeys(found))


# --- vocabulary ----------------------------------------------------------------------------------------

_ADJECTIVES = _words(
    "Scalable, Robust, Efficient, Adaptive, Sparse, Probabilistic, Distributed, Hierarchical, Nonlinear, "
    "Stochastic, Quantum, Multiscale, Unsupervised, Self-supervised, Bayesian, Interpretable, Federated, "
    "Generative, Topological, Spectral, Causal, Dynamic, Ultrafast, High-throughput, Low-cost, Energy-efficient, "
    "Long-term, Single-cell, Genome-wide, Real-time, Data-driven, Physics-informed, Privacy-preserving, "
    "Multimodal, Cross-lingual, Non-equilibrium, Anisotropic, Coherent, Chiral, Ferroelectric, Superconducting, "
    "Photonic, Metabolic, Randomized, Longitudinal, Comparative, Integrative, Minimal, Optimal, Approximate, "
    "Exact, Fast, Provable, Certified, Differentiable, Graph-based, Variational, Convex, Equivariant, "
    "Heterogeneous, Temporal, Spatial, Semiparametric, Nonparametric, Asymptotic, Ab initio, Coarse-grained, "
    "Mesoscopic, Two-dimensional, Three-dimensional, In situ, Label-free, Naïve, Context-aware, Uncertainty-aware, "
    "Lightweight, Decentralized, Mechanistic, Closed-loop, Open-source, Population-based, Patient-specific"
)
_METHODS = _words(
    "graph neural networks, optimal transport, transformer models, Monte Carlo sampling, density functional "
    "theory, mixed-effects models, gradient boosting, contrastive learning, diffusion models, message passing, "
    "tensor decompositions, kernel methods, CRISPR screening, mass spectrometry, cryo-electron microscopy, "
    "finite element analysis, molecular dynamics, Gaussian processes, reinforcement learning, instrumental "
    "variables, difference-in-differences, survival analysis, lattice QCD, renormalization group, spectral "
    "clustering, compressed sensing, variational inference, Markov chain Monte Carlo, random forests, low-rank "
    "approximation, wavelet transforms, neural operators, attention mechanisms, knowledge distillation, "
    "meta-learning, active learning, agent-based simulation, topological data analysis, spiking neural networks, "
    "single-cell RNA sequencing, X-ray crystallography, atomic force microscopy, Raman spectroscopy, "
    "machine-learned potentials, Bayesian optimization, sparse regression, model predictive control, "
    "homomorphic encryption, zero-knowledge proofs, symbolic regression, evolutionary algorithms, integer "
    "programming, stochastic differential equations, persistent homology, network meta-analysis, propensity "
    "score matching, structural equation modeling, large language models, Kalman filtering, Schrödinger bridges, "
    "Lévy processes, Padé approximants, Fréchet distances, Poincaré embeddings, Hölder regularity estimates"
)
_TASKS = _words(
    "protein folding, image segmentation, anomaly detection, drug discovery, climate downscaling, traffic "
    "forecasting, speech recognition, machine translation, portfolio optimization, fault diagnosis, tumor "
    "classification, gene regulatory network inference, community detection, link prediction, solar cell "
    "efficiency, battery degradation, earthquake early warning, epidemic forecasting, crop yield prediction, "
    "question answering, code generation, motion planning, source separation, dark matter detection, "
    "gravitational wave detection, exoplanet characterization, catalyst design, antibiotic resistance "
    "surveillance, sepsis prediction, air quality monitoring, wind power forecasting, microbiome profiling, "
    "neural decoding, sleep staging, rumor detection, recommendation, entity resolution, theorem proving, "
    "program synthesis, channel estimation, beamforming, spectrum sensing, power grid stability, supply chain "
    "resilience, credit risk assessment, wage inequality measurement, voter turnout estimation, language "
    "acquisition, reading comprehension, fracture healing, wound healing, stem cell differentiation, "
    "photosynthetic efficiency, ocean heat uptake, glacier mass balance, permafrost thaw, soil carbon "
    "sequestration, urban heat islands, polymer self-assembly, thin film growth, spin transport, "
    "topological phase classification, dose-response modeling, citation analysis"
)
_DOMAINS = _words(
    "low-resource settings, heterogeneous populations, noisy environments, sub-Saharan Africa, the Arctic, "
    "electronic health records, satellite imagery, smart grids, edge devices, intensive care units, rural "
    "China, the European Union, high-energy collisions, perovskite films, graphene heterostructures, zebrafish, "
    "<i>Arabidopsis thaliana</i>, <i>Escherichia coli</i>, mouse models, older adults, children with autism, "
    "primary care, online platforms, social networks, financial markets, wireless networks, autonomous "
    "vehicles, legal documents, scientific literature, historical archives, coastal ecosystems, tropical "
    "forests, urban mobility data, genomic data, the Amazon basin, Alpine catchments, São Paulo, Québec, "
    "Île-de-France, Zürich, the Tōhoku region, Kraków, Reykjavík, Bogotá, Chişinău, İstanbul"
)
_TEMPLATES = (
    "{A} {M} for {T} in {D}",
    "{T} in {D} via {a} {M}",
    "On the use of {a} {M} for {T}: evidence from {D}",
    "Towards {a} {T}: {M} applied to {D}",
    "{M} meets {T}: {an} {a} approach for {D}",
    "{An} {a} framework for {T} with {M} in {D}",
    "Revisiting {T} in {D} with {a} {M}",
    "{A} {T} using {M}: a study of {D}",
    "Can {a} {M} improve {T}? Results from {D}",
    "{A} {M} and {T} in {D}: a systematic review",
)
_GENERIC_TITLES = _words("Editorial, Erratum, Preface, Introduction, Book Review, Corrigendum, Reply, Index")
_FUNCTION_WORDS = _words(
    "the, of, and, in, to, a, is, we, for, that, with, on, by, this, as, are, from, be, which, our, an, these, "
    "at, it, or, can, than, both, its, their, not, between, under, using, while, however, thus, also, more, "
    "such, has, have, was, were, been, into, only, each, over, most"
)
_CONTENT_WORDS = _words(
    "model, data, method, approach, analysis, performance, accuracy, significant, proposed, experiments, "
    "dataset, framework, network, learning, system, effect, patients, cells, expression, temperature, energy, "
    "structure, samples, observed, increase, reduction, distribution, parameters, estimation, error, "
    "simulation, theory, measurements, evidence, association, risk, treatment, outcomes, protein, gene, "
    "surface, phase, field, wave, signal, noise, robustness, baseline, benchmark, state-of-the-art, novel, "
    "first, new, high, low, large, small, two, three, several, different, respectively, compared, previous, "
    "recent, further, finally, here, study, work, paper, demonstrate, present, propose, investigate, find, "
    "achieves, outperforms, reveals, suggests, indicates, improves, reduces, enables, provides, results, "
    "show, based, time, rate, function, order, level, process, conditions, properties, under, across, "
    "applications, problem, problems, algorithm, algorithms, training, inference, regime, limit, scale, "
    "scales, coupling, transition, density, response, growth, population, cohort, trial, control, groups, "
    "mechanism, pathway, binding, membrane, tissue, species, climate, emissions, policy, market, price, "
    "firms, survey, interviews, participants, teachers, students, language, speech, images, video, graph, "
    "graphs, nodes, edges, matrix, tensor, operator, equation, equations, solution, solutions, bound, bounds, "
    "proof, theorem, naïve, a priori, de novo, in vitro, in vivo, vis-à-vis, (p < 0.05), 95%, 2.5-fold, "
    "(n = 120), ±, ~10^3, efficiency, stability, sensitivity, specificity, latency, throughput, memory"
)
_VOCABULARY = (
    _FUNCTION_WORDS
    + _CONTENT_WORDS
    + tuple(dict.fromkeys(word for phrase in _METHODS + _TASKS for word in phrase.lower().split(" ") if len(word) > 3))
)
# Zipf weights by rank (function words first, so the commonest words are "the", "of", "and").
_VOCABULARY_CUMULATIVE = tuple(itertools.accumulate(1.0 / (rank + 2.7) for rank in range(len(_VOCABULARY))))
# The inverse of that distribution on 2**16 steps: a word is _WORD_TABLE[a random 16-bit number].
_WORD_TABLE = [
    _VOCABULARY[bisect.bisect_right(_VOCABULARY_CUMULATIVE, (k + 0.5) / 65536 * _VOCABULARY_CUMULATIVE[-1])]
    for k in range(65536)
]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _title(number: int) -> str:
    """The title of the work with this (scrambled) number: different numbers, different titles."""
    number, adjective = divmod(number, len(_ADJECTIVES))
    number, method = divmod(number, len(_METHODS))
    number, task = divmod(number, len(_TASKS))
    number, domain = divmod(number, len(_DOMAINS))
    template = _TEMPLATES[number % len(_TEMPLATES)]
    adj = _ADJECTIVES[adjective]
    lower = adj if adj[1:2].isupper() else adj[:1].lower() + adj[1:]
    text = template.format(
        A=adj, a=lower, an=_article(lower), An=_article(lower).capitalize(), M=_METHODS[method], T=_TASKS[task],
        D=_DOMAINS[domain],
    )  # fmt: skip
    return text[:1].upper() + text[1:]


_TITLE_SPACE = len(_ADJECTIVES) * len(_METHODS) * len(_TASKS) * len(_DOMAINS) * len(_TEMPLATES)

# --- places and venues ---------------------------------------------------------------------------------

_CITIES: dict[str, tuple[str, ...]] = {
    "US": _words("Boston, Berkeley, Ann Arbor, Austin, Seattle, Pittsburgh, Madison, Chapel Hill, San Diego, Atlanta"),
    "GB": _words("Oxford, Cambridge, Edinburgh, Manchester, Bristol, Glasgow, York"),
    "CA": _words("Toronto, Montréal, Vancouver, Québec, Waterloo"),
    "AU": _words("Melbourne, Sydney, Brisbane"), "NZ": _words("Auckland, Otago"), "IE": _words("Dublin, Galway"),
    "DE": _words("München, Köln, Göttingen, Tübingen, Würzburg, Düsseldorf, Heidelberg, Jülich"),
    "AT": _words("Wien, Innsbruck, Graz"), "CH": _words("Zürich, Genève, Lausanne, Bern"),
    "FR": _words("Paris, Lyon, Grenoble, Besançon, Orléans, Nîmes, Toulouse, Strasbourg"),
    "BE": _words("Leuven, Liège, Gent, Bruxelles"),
    "ES": _words("Madrid, Barcelona, Málaga, Córdoba, León, Cádiz, Logroño, València"),
    "MX": _words("Ciudad de México, Querétaro, Mérida"), "AR": _words("Buenos Aires, Córdoba"),
    "CO": _words("Bogotá, Medellín"), "CL": _words("Santiago, Concepción"), "PE": _words("Lima"),
    "BR": _words("São Paulo, Brasília, Florianópolis, Belém, Campinas, Rio de Janeiro"),
    "PT": _words("Coimbra, Lisboa, Porto"), "IT": _words("Milano, Bologna, Padova, Torino, Napoli, Forlì, Roma"),
    "IN": _words("Bengaluru, Chennai, Mumbai, Kanpur, Kharagpur, Delhi, Hyderabad"),
    "JP": _words("Tōkyō, Kyōto, Ōsaka, Sendai, Nagoya, Tsukuba"), "KR": _words("Seoul, Daejeon, Pohang, Busan"),
    "CN": _words("Beijing, Shanghai, Hangzhou, Nanjing, Wuhan, Hefei, Guangzhou, Xi'an, Chengdu, Harbin"),
    "TW": _words("Taipei, Hsinchu"), "SG": _words("Singapore"), "HK": _words("Hong Kong"),
    "SE": _words("Uppsala, Lund, Göteborg, Umeå"), "NO": _words("Oslo, Bergen, Tromsø"),
    "DK": _words("København, Aarhus"), "FI": _words("Helsinki, Jyväskylä"), "IS": _words("Reykjavík"),
    "PL": _words("Kraków, Warszawa, Wrocław, Gdańsk, Łódź"), "CZ": _words("Praha, Brno"),
    "RU": _words("Moscow, Novosibirsk, Saint Petersburg"), "VN": _words("Hà Nội, Huế"),
    "TR": _words("İstanbul, Ankara, İzmir"), "EG": _words("Cairo, Alexandria"), "SA": _words("Riyadh, Thuwal"),
    "MA": _words("Rabat"), "TN": _words("Tunis"), "JO": _words("Amman"), "AE": _words("Abu Dhabi"),
    "NL": _words("Amsterdam, Delft, Utrecht, Leiden, Groningen"), "GR": _words("Athens, Thessaloniki, Heraklion"),
    "CY": _words("Nicosia"), "ZA": _words("Cape Town, Johannesburg"), "NG": _words("Lagos, Ibadan"),
    "KE": _words("Nairobi"), "IL": _words("Haifa, Rehovot"), "IR": _words("Tehran"), "PK": _words("Lahore"),
    "ID": _words("Bandung"), "TH": _words("Bangkok"),
}  # fmt: skip
_UNIVERSITY = {
    "FR": ("Université de {c}", "Institut Polytechnique de {c}", "Centre Hospitalier Universitaire de {c}"),
    "BE": ("Université de {c}", "Katholieke Universiteit {c}"),
    "CH": ("Universität {c}", "École Polytechnique Fédérale de {c}", "Université de {c}"),
    "DE": ("Universität {c}", "Technische Universität {c}", "Max-Planck-Institut für Physik ({c})"),
    "AT": ("Universität {c}", "Technische Universität {c}"),
    "ES": ("Universidad de {c}", "Universidad Politécnica de {c}", "Hospital Universitario de {c}"),
    "MX": ("Universidad Nacional de {c}",), "AR": ("Universidad de {c}",), "CO": ("Universidad de {c}",),
    "CL": ("Universidad de {c}",), "PE": ("Universidad Nacional de {c}",),
    "BR": ("Universidade de {c}", "Universidade Federal de {c}", "Universidade Estadual de {c}"),
    "PT": ("Universidade de {c}",), "IT": ("Università degli Studi di {c}", "Politecnico di {c}"),
    "NL": ("Universiteit {c}", "Technische Universiteit {c}"), "SE": ("{c} universitet",),
    "NO": ("Universitetet i {c}",), "DK": ("{c} Universitet",), "FI": ("University of {c}",),
    "PL": ("Uniwersytet w {c}", "Politechnika w {c}"), "CZ": ("Univerzita v {c}", "Vysoké učení technické v {c}"),
    "TR": ("{c} Üniversitesi", "{c} Teknik Üniversitesi"), "CN": ("{c} University", "{c} Jiao Tong University",
    "Chinese Academy of Sciences, {c} Branch"), "JP": ("University of {c}", "{c} Institute of Technology"),
    "KR": ("{c} National University", "Korea Advanced Institute ({c})"),
}  # fmt: skip
_UNIVERSITY_DEFAULT = ("University of {c}", "{c} Institute of Technology", "{c} Medical Center", "{c} State University")
_INSTITUTION_TYPES = ("education", "education", "education", "healthcare", "facility", "company", "government")
_DEPARTMENTS = _words(
    "Department of Physics, Department of Computer Science, School of Medicine, Department of Chemistry, "
    "Institute of Mathematics, Department of Biology, Faculty of Economics, Department of Electrical "
    "Engineering, Laboratoire de Physique, Institut für Informatik, Departamento de Química"
)
_FIELDS = _words(
    "Physics, Chemistry, Biology, Medicine, Mathematics, Computer Science, Economics, Psychology, Neuroscience, "
    "Ecology, Geophysics, Materials Science, Statistics, Epidemiology, Linguistics, Sociology, Astronomy, "
    "Cardiology, Oncology, Genetics, Robotics, Optics, Hydrology, Immunology, Education, Finance, Energy, "
    "Nanotechnology, Machine Learning, Public Health"
)
_JOURNAL_TEMPLATES = (
    "Journal of {f}", "{f} Letters", "Annals of {f}", "Advances in {f}", "International Journal of {f}",
    "Reviews in {f}", "Frontiers in {f}", "Revista Brasileira de {f}", "Zeitschrift für {f}", "Acta {f}",
)  # fmt: skip
# DOI registrants and how each writes its suffixes ({u}: a number unique to the work).
_PUBLISHERS = (
    ("10.1016", "Elsevier", 0.24), ("10.1007", "Springer", 0.14), ("10.1109", "IEEE", 0.1), ("10.1103", "APS", 0.05),
    ("10.1371", "PLOS", 0.04), ("10.1038", "Nature", 0.05), ("10.1002", "Wiley", 0.14), ("10.1021", "ACS", 0.06),
    ("small", "other", 0.18),
)  # fmt: skip
_PUBLISHER_CUMULATIVE = tuple(itertools.accumulate(p[2] for p in _PUBLISHERS))
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ARXIV_ARCHIVES = _words("hep-th, hep-ph, astro-ph, cond-mat, quant-ph, gr-qc, math, physics, nucl-th, cs")
_ARXIV_SOURCE = {"id": _OPENALEX + "S4306400194", "display_name": "arXiv (Cornell University)", "issn_l": None,
                 "type": "repository"}  # fmt: skip
_LANGUAGES = ("en",) * 46 + ("es", "pt", "de", "fr")
_TYPES = ("article",) * 16 + ("review", "book-chapter", "proceedings-article", "letter")


def _ror(number: int) -> str:
    """A ROR id: 0, six Crockford base-32 characters, two ISO 7064 mod 97-10 check digits."""
    encoded = "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in range(5, -1, -1))
    return f"https://ror.org/0{encoded}{98 - (number * 100) % 97:02d}"


def _issn(number: int) -> str:
    digits = f"{number % 10_000_000:07d}"
    check = (11 - sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True)) % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def _orcid(number: int) -> str:
    prefix = ("00000001", "00000002", "00000003", "00090000")[number // 10_000_000 % 4]
    digits = f"{prefix}{number % 10_000_000:07d}"
    full = digits + orcid_check_digit(digits)
    return "https://orcid.org/" + "-".join(full[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True, slots=True)
class _Person:
    openalex: str
    split: str  # the person's second author id (a split profile)
    orcid: str | None
    name: str  # the canonical name; its variants come from _Generator.variants (on demand: most people need none)
    home: int
    later_home: int
    moved_on: int  # the day number from which the later home applies
    country: str


@dataclass
class GenerateStats:
    """What a generation wrote."""

    works: int = 0
    authorships: int = 0
    references: int = 0
    with_doi: int = 0
    with_arxiv: int = 0
    bytes_written: int = 0
    seconds: float = 0.0

    @property
    def works_per_second(self) -> float:
        return self.works / self.seconds if self.seconds else 0.0


class _Generator:
    """The generator's state: the random stream, the citation reservoir, bounded caches."""

    def __init__(self, papers: int, seed: int) -> None:
        if papers < 0:
            raise ValueError("papers must not be negative")
        self.papers = papers
        self.seed = seed
        self.rng = random.Random(seed)
        key = _mix(seed & _MASK)
        self.key = key
        self.people = max(200, int(papers * PEOPLE_PER_WORK))
        self.work_offset = key % 1_000_000_000
        self.author_offset = _mix(key ^ 1) % 1_000_000_000
        self.doi_offset = _mix(key ^ 2) % 1_000_000_000
        self.title_offset = _mix(key ^ 3) % _TITLE_SPACE
        self.orcid_offset = _mix(key ^ 4) % 40_000_000
        self.reservoir = array("I", bytes(4 * RESERVOIR))
        self.citations = 0
        self.month = (0, 0)
        self.arxiv_counters: dict[str, int] = {}
        self.arxiv_lane = seed % ARXIV_LANES
        # Institutions and journals are one universe whatever the seed (files of two seeds share them, as
        # two real dumps do); people, works and their ids are the seed's own.
        setup = random.Random(_SHARED_KEY ^ 5)
        self.institutions = self._institutions(setup)
        self.by_country: dict[str, list[int]] = {}
        for number, place in enumerate(self.institutions):
            self.by_country.setdefault(place["country_code"], []).append(number)
        self.journals = self._journals(setup)
        self.person = lru_cache(maxsize=1 << 13)(self._person)
        self.names = lru_cache(maxsize=1 << 12)(self._names)
        self.team = lru_cache(maxsize=1 << 12)(self._team)

    # ids

    def work_id(self, index: int) -> str:
        return f"{_OPENALEX}W{4_000_000_000 + (index * 2_654_435_761 + self.work_offset) % 1_000_000_000}"

    # setup

    def _institutions(self, setup: random.Random) -> list[dict[str, Any]]:
        places: list[dict[str, Any]] = []
        for country, cities in _CITIES.items():
            for city in cities:
                for template in _UNIVERSITY.get(country, _UNIVERSITY_DEFAULT):
                    number = len(places)
                    ident = f"{_OPENALEX}I{(number * 7_919_891 + _SHARED_KEY % 97_000_000) % 999_000_000 + 1_000_000}"
                    places.append({
                        "id": ident,
                        "display_name": template.format(c=city),
                        "ror": _ror((number * 48_271 + _SHARED_KEY) % (1 << 30)),
                        "country_code": country,
                        "type": setup.choice(_INSTITUTION_TYPES) if "Universit" not in template else "education",
                        "lineage": [ident],
                    })  # fmt: skip
        return places

    def _journals(self, setup: random.Random) -> list[dict[str, Any]]:
        journals: list[dict[str, Any]] = []
        for number, (field, template) in enumerate(itertools.product(_FIELDS, _JOURNAL_TEMPLATES)):
            publisher = _PUBLISHERS[self._pick(_PUBLISHER_CUMULATIVE, setup.random())]
            name = template.format(f=field)
            abbr = "".join(w[0] for w in name.replace("-", " ").split() if w[0].isalpha()).lower() or "j"
            journals.append({
                "source": {"id": f"{_OPENALEX}S{10_000_000 + number * 104_729}", "display_name": name,
                           "issn_l": _issn(1_000_000 + number * 7_777), "type": "journal"},
                "publisher": publisher[0], "abbr": abbr + str(number % 7 or ""), "number": number,
            })  # fmt: skip
        return journals

    @staticmethod
    def _pick(cumulative: Sequence[float], u: float) -> int:
        return min(bisect.bisect_right(cumulative, u * cumulative[-1]), len(cumulative) - 1)

    # people

    def rank(self, u: float) -> int:
        """A person by popularity rank: P(rank r) ~ r**-1/2."""
        return int(self.people * u**PEOPLE_ZIPF_POWER)

    def _team(self, lead: int) -> tuple[int, ...]:
        base = _mix(self.key ^ (lead * 64 + 7))
        return tuple(self.rank(_unit(_mix(base + k))) for k in range(TEAM_SIZE))

    def _name_parts(self, rank: int) -> tuple[_Culture, str, str | None, str, str | None]:
        """A person's naming culture, given name, middle name, family name and first of two family names."""
        h = _mix(self.key ^ (rank * 8 + 3))
        g = _mix(h)
        culture = _CULTURES[self._pick(_CULTURE_CUMULATIVE, _unit(h))]
        given = culture.given[(g >> 8) % len(culture.given)]
        family = culture.family[(g >> 24) % len(culture.family)]
        first_family = None
        if culture.double_family and _unit(_mix(g)) < culture.double_family:
            second = culture.family[(g >> 40) % len(culture.family)]
            if second != family and " " not in family + second:
                first_family = family
                family = f"{family}{'-' if g & 1 else ' '}{second}"
        middle = None
        if culture.middle and ((g >> 56) & 0xFF) / 256 < culture.middle:
            middle = culture.given[(h >> 20) % len(culture.given)]
            middle = None if middle == given or " " in middle or "|" in middle else middle
        if culture.key == "ru" and given[-1] == "a":
            family += "a"  # Olga Ivanova
        return culture, given, middle, family, first_family

    def _person(self, rank: int) -> _Person:
        h = _mix(self.key ^ (rank * 8 + 3))
        culture, given, middle, family, _ = self._name_parts(rank)
        syllables = given.split("|")
        full_given = syllables[0] + "".join(part.lower() for part in syllables[1:]) + (f" {middle}" if middle else "")
        scrambled = (rank * 2_654_435_761 + self.author_offset) % 1_000_000_000
        orcid = None
        if ((h >> 32) & 0xFFFF) / 65536 < ORCID_SHARE + (0.25 if rank < self.people // 1000 else 0):
            orcid = _orcid((rank * 1_000_003 + self.orcid_offset) % 40_000_000)
        countries = culture.countries
        country = countries[(h >> 48) % len(countries)] if (h >> 12) & 7 else "US"
        local = self.by_country.get(country) or self.by_country["US"]
        home = local[int(len(local) * _unit(_mix(h ^ 11)) ** 2)]
        moves = _unit(_mix(h ^ 13))
        later = local[int(len(local) * moves**2)] if moves < 0.6 else self._institution_rank(_unit(_mix(h ^ 17)))
        return _Person(
            openalex=f"{_OPENALEX}A{5_000_000_000 + scrambled}",
            split=f"{_OPENALEX}A{4_000_000_000 + scrambled}",
            orcid=orcid,
            name=f"{full_given} {family}",
            home=home,
            later_home=later if moves < 0.25 else home,
            moved_on=int(_DAYS * _unit(_mix(h ^ 19))),
            country=country,
        )

    def _names(self, rank: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A person's names (canonical first, then its variants) and the forms printed in papers."""
        culture, given, middle, family, first_family = self._name_parts(rank)
        names = _variants(culture.key, given, middle, family, first_family, rank % 50 == 0)
        given = names[0][: -len(family) - 1]
        return names, (*names, f"{family}, {given}", f"{family.upper()} {given}")

    def _institution_rank(self, u: float) -> int:
        return int(len(self.institutions) * u**3)

    # works

    def work(self, index: int) -> dict[str, Any]:
        rng = self.rng
        random_ = rng.random
        fraction = (index + 0.5) / self.papers
        day = int(math.log1p(fraction * _TIME_SPAN) / _GROWTH_PER_DAY)
        date = FIRST_DAY + dt.timedelta(days=min(day, _DAYS - 1))
        year = date.year
        era = (year - 1990) / 36
        work_id = self.work_id(index)

        # ids and places
        has_doi = random_() < DOI_FIRST + (DOI_LAST - DOI_FIRST) * era
        arxiv = self._arxiv(date) if random_() < (0.0 if date < dt.date(1991, 8, 1) else 0.03 + 0.17 * era) else None
        journal = self.journals[int(len(self.journals) * random_() ** 1.5)]
        doi = None
        if has_doi and (arxiv is None or random_() < 0.6):
            doi = self._doi(index, journal, date)
        elif arxiv is not None and random_() < 0.7:
            doi = f"10.48550/arXiv.{arxiv}"
        doi_url = None if doi is None else "https://doi.org/" + doi
        locations: list[dict[str, Any]] = []
        if doi is not None and not doi.startswith("10.48550"):
            locations.append({
                "is_oa": random_() < 0.3, "landing_page_url": doi_url, "pdf_url": None,
                "source": dict(journal["source"]), "license": None, "version": "publishedVersion",
            })  # fmt: skip
        if arxiv is not None:
            host = "https://arxiv.org" if random_() < 0.9 else "http://arxiv.org"
            version = f"v{1 + int(3 * random_() ** 3)}" if random_() < 0.4 else ""
            locations.append({
                "is_oa": True, "landing_page_url": f"{host}/abs/{arxiv}{version}",
                "pdf_url": f"{host}/pdf/{arxiv}{version}", "source": dict(_ARXIV_SOURCE), "license": None,
                "version": "submittedVersion",
            })  # fmt: skip
        ids: dict[str, Any] = {"openalex": work_id}
        if doi_url is not None:
            ids["doi"] = doi_url
        if year < 2021 and random_() < 0.5:
            ids["mag"] = str(1_000_000_000 + (index * 7_654_321 + self.work_offset) % 2_000_000_000)

        # authors
        authorships, lead_id = self._authorships(rng, index, date, day, era)

        # references: preferential attachment (the reservoir of past citations) or recency-biased
        references: dict[int, None] = {}
        if index and random_() >= NO_REFERENCES:
            median = REFERENCES_MEDIAN_FIRST + (REFERENCES_MEDIAN_LAST - REFERENCES_MEDIAN_FIRST) * era
            wanted = min(index, MAX_REFERENCES, max(1, int(rng.lognormvariate(math.log(median), REFERENCES_SIGMA))))
            reservoir = self.reservoir
            for _ in range(wanted * 2):
                filled = min(self.citations, RESERVOIR)
                if filled and random_() < PREFERENTIAL:
                    target = reservoir[int(random_() * filled)]
                else:
                    target = index - 1 - int(index * random_() ** RECENCY_POWER)
                if target in references:
                    continue
                references[target] = None
                self.citations += 1
                if self.citations <= RESERVOIR:
                    reservoir[self.citations - 1] = target
                else:
                    slot = int(random_() * self.citations)
                    if slot < RESERVOIR:
                        reservoir[slot] = target
                if len(references) == wanted:
                    break

        # title and abstract
        if random_() < GENERIC_TITLES:
            title = _GENERIC_TITLES[int(random_() * len(_GENERIC_TITLES))]
        else:
            title = _title((index * 1_000_003 + self.title_offset) % _TITLE_SPACE)
        abstract = None
        if random_() < ABSTRACT_SHARE - (0.25 if year < 2000 else 0):
            abstract = self._abstract(rng, title)

        age = (LAST_DAY - date).days / 365.25
        cited = 0 if random_() < 0.15 else int(rng.lognormvariate(math.log(0.5 + 2.5 * age**0.9), 1.3))
        is_oa = any(location["is_oa"] for location in locations)
        work: dict[str, Any] = {
            "id": work_id,
            "doi": doi_url,
            "title": title,
            "display_name": title,
            "publication_year": year,
        }
        if random_() >= (YEAR_ONLY_BEFORE_2000 if year < 2000 else YEAR_ONLY_AFTER_2000):
            work["publication_date"] = date.isoformat()
        work.update({
            "ids": ids,
            "language": _LANGUAGES[int(random_() * len(_LANGUAGES))],
            "primary_location": locations[0] if locations else None,
            "type": "preprint" if doi is None and arxiv else _TYPES[int(random_() * len(_TYPES))],
            "open_access": {"is_oa": is_oa, "oa_status": ("green" if arxiv else "gold") if is_oa else "closed"},
            "authorships": authorships,
            "corresponding_author_ids": [lead_id] if lead_id else [],
            "cited_by_count": cited,
            "biblio": {"volume": str(1 + (year - 1990) + journal["number"] % 40), "issue": str(1 + date.month // 2),
                       "first_page": str(1 + index % 997), "last_page": str(1 + index % 997 + int(random_() * 30))},
            "locations_count": len(locations),
            "locations": locations,
            "best_oa_location": next((location for location in locations if location["is_oa"]), None),
            "referenced_works_count": len(references),
            "referenced_works": [self.work_id(target) for target in references],
            "abstract_inverted_index": abstract,
            "updated_date": "2026-11-01T00:00:00.000000",
            "created_date": max(date, dt.date(2016, 6, 24)).isoformat(),
        })  # fmt: skip
        return work

    def _authorships(
        self, rng: random.Random, index: int, date: dt.date, day: int, era: float
    ) -> tuple[list[dict[str, Any]], str | None]:
        random_ = rng.random
        median = AUTHORS_MEDIAN_FIRST + (AUTHORS_MEDIAN_LAST - AUTHORS_MEDIAN_FIRST) * era
        count = min(MAX_AUTHORS, max(1, int(rng.lognormvariate(math.log(median), AUTHORS_SIGMA) + 0.5)))
        lead = self.rank(random_())
        chosen: dict[int, None] = {lead: None}
        team = self.team(lead)
        for _ in range(count * 3):
            if len(chosen) >= count:
                break
            other = team[int(random_() * TEAM_SIZE)] if random_() < FROM_TEAM else self.rank(random_())
            chosen[other] = None
        order = list(chosen)
        where = random_()
        if len(order) > 1 and where < 0.5:
            order.append(order.pop(0))  # the lead last, as senior authors are
        elif len(order) > 2 and where < 0.65:
            order.insert(1 + int(random_() * (len(order) - 2)), order.pop(0))
        no_place = 0.3 - 0.22 * era
        authorships = []
        lead_id = None
        last = len(order) - 1
        for position, rank in enumerate(order):
            person = self.person(rank)
            u = random_()
            name = person.name
            printed = random_()
            if u >= CANONICAL_NAME or printed >= 0.9:
                names, raw_names = self.names(rank)
                if u >= CANONICAL_NAME and len(names) > 1:
                    name = names[1 + int((u - CANONICAL_NAME) / (1 - CANONICAL_NAME) * (len(names) - 1))]
                raw = raw_names[int(random_() * len(raw_names))] if printed >= 0.9 else name
            else:
                raw = name
            author_id = person.split if random_() < SPLIT_PROFILE else person.openalex
            if rank == lead:
                lead_id = author_id
            u = random_()
            if u < no_place:
                places: list[int] = []
            else:
                home = person.later_home if day >= person.moved_on else person.home
                if random_() < 0.1:
                    home = self._institution_rank(random_())  # a visit, a secondment
                places = [home]
                if u > 0.88 and (other := self._institution_rank(random_())) != home:
                    places.append(other)
            institutions = [{**self.institutions[p], "lineage": [self.institutions[p]["id"]]} for p in places]
            authorships.append({
                "author_position": "first" if position == 0 else "last" if position == last else "middle",
                "author": {"id": author_id, "display_name": name, "orcid": person.orcid},
                "institutions": institutions,
                "countries": list(dict.fromkeys(place["country_code"] for place in institutions)),
                "is_corresponding": rank == lead,
                "raw_author_name": raw,
                "raw_affiliation_strings": [
                    f"{_DEPARTMENTS[(index + p) % len(_DEPARTMENTS)]}, {place['display_name']}, {place['country_code']}"
                    for p, place in zip(places, institutions, strict=True)
                ],
            })  # fmt: skip
        return authorships, lead_id

    def _arxiv(self, date: dt.date) -> str | None:
        """A new arXiv id for a work of this date, or None when the month's numbers of this seed's lane are
        used up. A month's numbers (per archive before 2007-04) are dealt out in `ARXIV_LANES` lanes: the
        seed's lane takes every ARXIV_LANES-th number, so seeds in different lanes never share an id."""
        month = (date.year, date.month)
        if month != self.month:
            self.month = month
            self.arxiv_counters = {}
        yymm = f"{date.year % 100:02d}{date.month:02d}"
        if date >= dt.date(2007, 4, 1):
            digits = 4 if date.year < 2015 else 5
            count = self.arxiv_counters["new"] = self.arxiv_counters.get("new", 0) + 1
            number = 1 + (count - 1) * ARXIV_LANES + self.arxiv_lane
            return f"{yymm}.{number:0{digits}d}" if number < 10**digits else None
        archive = _ARXIV_ARCHIVES[int(self.rng.random() ** 2 * len(_ARXIV_ARCHIVES))]
        count = self.arxiv_counters[archive] = self.arxiv_counters.get(archive, 0) + 1
        number = 1 + (count - 1) * ARXIV_LANES + self.arxiv_lane
        return f"{archive}/{yymm}{number:03d}" if number < 1000 else None

    def _doi(self, index: int, journal: dict[str, Any], date: dt.date) -> str:
        u = (index * 3_486_784_401 + self.doi_offset) % 1_000_000_000
        prefix, abbr, number, year = journal["publisher"], journal["abbr"], journal["number"], date.year
        if prefix == "10.1016":
            return f"10.1016/j.{abbr}.{year}.{u:09d}"
        if prefix == "10.1007":
            return f"10.1007/s{10_000 + number * 37}-{year % 1000:03d}-{u:05d}-{u % 10}"
        if prefix == "10.1109":
            return f"10.1109/{abbr.upper()}.{year}.{u:07d}"
        if prefix == "10.1103":
            return f"10.1103/PhysRev{'ABCDEL'[number % 6]}.{max(1, year - 1960)}.{u:06d}"
        if prefix == "10.1371":
            return f"10.1371/journal.p{abbr}.{u:07d}"
        if prefix == "10.1038":
            return f"10.1038/s41{586 + number % 20}-{year % 100:02d}-{u:05d}-{u % 10}"
        if prefix == "10.1002":
            if year < 2000:
                return (
                    f"10.1002/(SICI)1097-{number:04d}({year}{date.month:02d}){1 + year % 90}:{1 + date.month // 3}"
                    f"<{u}::AID-{abbr.upper()}{u % 7}>3.0.CO;2-{_CROCKFORD[u % 32].upper()}"
                )
            return f"10.1002/{abbr}.{u}"
        if prefix == "10.1021":
            return f"10.1021/{abbr}{year}{u:05d}"
        return f"10.{4000 + number * 53 % 50_000}/{abbr}.{year}.{u}"

    def _abstract(self, rng: random.Random, title: str) -> dict[str, list[int]]:
        length = min(400, max(30, int(rng.lognormvariate(math.log(ABSTRACT_MEDIAN_WORDS), 0.45))))
        words = list(operator.itemgetter(*array("H", rng.randbytes(2 * length)))(_WORD_TABLE))
        opening = ["In", "this", "work,", "we", "study", *title.replace("<i>", "").replace("</i>", "").split(" ")]
        words[: len(opening)] = opening[:length]
        words[len(opening) - 1 if len(opening) <= length else length - 1] += "."
        position = len(opening) + int(rng.random() * 12) + 8
        while position < length - 1:
            words[position] += "."
            words[position + 1] = words[position + 1][:1].upper() + words[position + 1][1:]
            position += 8 + int(rng.random() * 18)
        if not words[-1].endswith("."):
            words[-1] += "."
        index: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            found = index.get(word)
            if found is None:
                index[word] = [position]
            else:
                found.append(position)
        return index


def generate_openalex_works(papers: int, seed: int) -> Iterator[dict[str, Any]]:
    """`papers` OpenAlex work objects, in publication order, the same for the same (papers, seed).

    Records share no objects with one another (a test may damage one); inside a record, primary_location
    and best_oa_location are the same objects as entries of its locations.
    """
    generator = _Generator(papers, seed)
    for index in range(papers):
        yield generator.work(index)


# --- writing -------------------------------------------------------------------------------------------

_CHUNK = 500  # records serialised per write


STDOUT = "-"
"""The `--out` that writes to standard output (plain JSON lines: the summary then goes to stderr)."""


class _Counted:
    """A binary sink that counts the bytes written through it (the file's size, for a stream)."""

    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink
        self.count = 0

    def write(self, data: bytes) -> int:
        self.sink.write(data)
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()


def write_openalex_works(
    path: str | os.PathLike[str],
    papers: int,
    seed: int,
    *,
    compresslevel: int = 6,
    on_progress: Callable[[GenerateStats], None] | None = None,
) -> GenerateStats:
    """Write `papers` generated works to `path` as JSON lines, gzipped unless the name does not end in .gz.

    Streams in constant memory; compression runs on a second thread (zlib releases the GIL). The file is
    written under a temporary name and renamed when complete, so that an interrupted run leaves no file
    that looks whole. The same (papers, seed, compresslevel) writes the same bytes.
    """
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "wb") as raw:
            stats = write_openalex_stream(
                raw, papers, seed, compress=target.name.endswith(".gz"), compresslevel=compresslevel,
                on_progress=on_progress,
            )  # fmt: skip
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return stats


def write_openalex_stream(
    stream: IO[bytes],
    papers: int,
    seed: int,
    *,
    compress: bool = False,
    compresslevel: int = 6,
    on_progress: Callable[[GenerateStats], None] | None = None,
) -> GenerateStats:
    """Write `papers` generated works to an open binary stream (standard output, a pipe) as JSON lines,
    gzipped if `compress`; the same bytes `write_openalex_works` puts in a file. The stream is flushed,
    not closed."""
    stats = GenerateStats()
    started = time.perf_counter()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
    failure: list[BaseException] = []

    def drain(write: Callable[[bytes], object]) -> None:
        try:
            while (chunk := chunks.get()) is not None:
                write(chunk)
        except BaseException as error:  # reported by the producer
            failure.append(error)
            while chunks.get() is not None:  # unblock the producer
                pass

    dumps = orjson.dumps
    newline = orjson.OPT_APPEND_NEWLINE
    counted = _Counted(stream)
    sink = None
    if compress:
        sink = gzip.GzipFile(filename="", mode="wb", fileobj=counted, compresslevel=compresslevel, mtime=0)
    write = counted.write if sink is None else sink.write
    writer = threading.Thread(target=drain, args=(write,), name="generate-writer", daemon=True)
    writer.start()
    try:
        lines: list[bytes] = []
        for work in generate_openalex_works(papers, seed):
            lines.append(dumps(work, option=newline))  # records are let go at once: little for the GC
            stats.authorships += len(work["authorships"])
            stats.references += len(work["referenced_works"])
            stats.with_doi += work["doi"] is not None
            stats.with_arxiv += any("arxiv.org" in place["landing_page_url"] for place in work["locations"])
            stats.works += 1
            if len(lines) == _CHUNK:
                if failure:
                    raise failure[0]
                chunks.put(b"".join(lines))
                lines.clear()
                if on_progress is not None:
                    stats.seconds = time.perf_counter() - started
                    on_progress(stats)
        if lines:
            chunks.put(b"".join(lines))
    finally:
        chunks.put(None)
        writer.join()
    if failure:
        raise failure[0]
    if sink is not None:
        sink.close()  # writes the gzip trailer; the stream itself stays open
    counted.flush()
    stats.bytes_written = counted.count
    stats.seconds = time.perf_counter() - started
    return stats


# --- command line --------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from error
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def add_openalex_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `generate openalex` (shared by `scholargraph generate` and `python -m api.generate`)."""
    parser.add_argument("--papers", type=_positive, required=True, help="number of works to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed writes the same bytes")
    parser.add_argument("--out", required=True,
                        help="file to write: gzipped JSON lines if it ends in .gz, else plain; - for standard output "
                             "(plain; the summary then goes to stderr)")  # fmt: skip
    parser.add_argument("--compress-level", type=int, choices=range(1, 10), default=6, metavar="1-9",
                        help="gzip level (default 6)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def run_generate(args: argparse.Namespace) -> int:
    """Write the file `args` describe (papers, seed, out, compress_level, json) and print a summary; progress
    on stderr when it is a terminal. ConfigurationError for a negative count or a file that cannot be written.

    `--out -` writes plain JSON lines to standard output and the summary to stderr; a reader that stops
    early (`| head`) ends the run quietly with status 1.
    """
    if args.papers < 0:
        raise ConfigurationError(f"--papers must not be negative, got {args.papers}")
    to_stdout = args.out == STDOUT
    report = sys.stderr if to_stdout else sys.stdout
    shown = sys.stderr.isatty() and not args.json
    last = [0.0]

    def progress(stats: GenerateStats) -> None:
        if shown and stats.seconds - last[0] >= 0.5:
            last[0] = stats.seconds
            done = stats.works / args.papers if args.papers else 1
            print(f"\r{stats.works:,}/{args.papers:,} works ({done:.0%}), {stats.works_per_second:,.0f}/s ",
                  end="", file=sys.stderr, flush=True)  # fmt: skip

    try:
        if to_stdout:
            stream = getattr(sys.stdout, "buffer", None)
            if stream is None:
                raise ConfigurationError("cannot write -: standard output takes no bytes here")
            stats = write_openalex_stream(stream, args.papers, args.seed, on_progress=progress)
        else:
            stats = write_openalex_works(args.out, args.papers, args.seed, compresslevel=args.compress_level,
                                         on_progress=progress)  # fmt: skip
    except BrokenPipeError:
        if not to_stdout:
            raise ConfigurationError(f"cannot write {args.out}: broken pipe") from None
        # The reader went away (`| head`): not an error worth a message. Point stdout at /dev/null so that
        # the interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    except OSError as error:
        raise ConfigurationError(f"cannot write {args.out}: {error.strerror or error}") from error
    if shown:
        print(file=sys.stderr)
    summary = {"path": str(args.out), "seed": args.seed, "generator_version": GENERATOR_VERSION, **asdict(stats),
               "works_per_second": round(stats.works_per_second)}  # fmt: skip
    summary["seconds"] = round(stats.seconds, 2)
    if args.json:
        print(json.dumps(summary), file=report, flush=True)
    else:
        print(f"{args.out}: {stats.works:,} works, {stats.authorships:,} authorships, {stats.references:,} references, "
              f"{stats.bytes_written / 1e6:,.1f} MB in {stats.seconds:,.1f} s ({stats.works_per_second:,.0f} works/s)",
              file=report, flush=True)  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.generate", description="Write synthetic dumps.")
    formats = parser.add_subparsers(dest="format", required=True)
    add_openalex_arguments(formats.add_parser("openalex", help="OpenAlex works (snapshot JSON lines)"))
    try:
        return run_generate(parser.parse_args(argv))
    except ConfigurationError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
