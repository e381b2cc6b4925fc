"""The SQLite layout of a compiled knowledge base (one file per release).

Bump :data:`SCHEMA_VERSION` whenever the layout or the meaning of a column changes: a
knowledge base whose stored version differs is rebuilt rather than used.
"""

from __future__ import annotations

SCHEMA_VERSION = 14

DDL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- chapters, blocks, categories, subcategories and codes, in document order (seq).
-- key: chapter number ('13'), block range ('M50-M54'; a one-category block is 'B20-B20',
-- shown as 'B20') or dotless code ('M5403').
CREATE TABLE nodes(
  key TEXT PRIMARY KEY,
  code TEXT NOT NULL,          -- display form (dotted)
  kind TEXT NOT NULL,          -- chapter | block | category | subcategory | code
  title TEXT NOT NULL,
  billable INTEGER NOT NULL,   -- in the release's valid-code set
  parent TEXT,                 -- the parent's key
  parent_code TEXT,            -- the parent's display form ('M54.0', 'M50-M54', 'B20', '13')
  chapter TEXT NOT NULL,
  block TEXT,                 -- the block as officially shown ('M50-M54', 'B20')
  depth INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  path TEXT NOT NULL,          -- ancestor keys, nearest first, space separated
  seventh_owner TEXT,          -- node whose 7th-character definitions apply
  synthesized INTEGER NOT NULL,-- made by 7th-character expansion
  short_title TEXT,            -- from the order file, when one was given
  first TEXT, last TEXT        -- chapters and blocks: first and last category
) WITHOUT ROWID;
CREATE INDEX nodes_parent ON nodes(parent, seq);
CREATE INDEX nodes_seq ON nodes(seq);

CREATE TABLE notes(
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,         -- node key the note stands on
  kind TEXT NOT NULL,          -- includes | inclusion_term | excludes1 | excludes2 | code_first
                               -- | use_additional | code_also | note | seventh_note
  text TEXT NOT NULL
);
CREATE INDEX notes_owner ON notes(owner);

-- code references parsed out of note text; a reference covers keys lo..hi (see refs.py)
CREATE TABLE note_refs(
  note_id INTEGER NOT NULL,
  pattern TEXT NOT NULL,
  lo TEXT NOT NULL,
  hi TEXT NOT NULL,
  positions TEXT NOT NULL,     -- JSON [[index, chars], ...]
  suffixes TEXT NOT NULL,      -- JSON [suffix, ...]
  qualifier TEXT NOT NULL,
  approximate INTEGER NOT NULL
);
CREATE INDEX note_refs_note ON note_refs(note_id);
CREATE INDEX note_refs_lo ON note_refs(lo);

-- terms: JSON list of the lines printed under a character (S72 B: 'initial encounter for
-- open fracture NOS')
CREATE TABLE seventh(owner TEXT NOT NULL, char TEXT NOT NULL, meaning TEXT NOT NULL,
                     terms TEXT NOT NULL);
CREATE INDEX seventh_owner ON seventh(owner);

-- validity of every code on every date the MCE table covers, with its MCE edit flags
CREATE TABLE validity(key TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
                      flags TEXT NOT NULL, PRIMARY KEY(key, start)) WITHOUT ROWID;
CREATE TABLE mce_age(category TEXT NOT NULL, min_age INTEGER NOT NULL, max_age INTEGER NOT NULL,
                     start TEXT NOT NULL, end TEXT NOT NULL);

-- MS-DRG severity (CC/MCC) and the PDX exclusion collections
CREATE TABLE severity(key TEXT PRIMARY KEY, level TEXT NOT NULL, pdx_collection INTEGER)
  WITHOUT ROWID;
CREATE TABLE pdx_exclusion(collection INTEGER NOT NULL, key TEXT NOT NULL,
                           PRIMARY KEY(collection, key)) WITHOUT ROWID;

-- CMS risk adjustment: code -> HCC per payment year and model
CREATE TABLE hcc(key TEXT NOT NULL, year INTEGER NOT NULL, model TEXT NOT NULL, cc TEXT NOT NULL,
                 PRIMARY KEY(key, year, model, cc)) WITHOUT ROWID;
CREATE TABLE hcc_label(domain TEXT NOT NULL, version TEXT NOT NULL, cc TEXT NOT NULL,
                       label TEXT NOT NULL, PRIMARY KEY(domain, version, cc)) WITHOUT ROWID;

-- The Alphabetic Index, External Cause Index, Drug Table and Neoplasm Table, in document order
-- (book: index | eindex | drug | neoplasm). code as printed ('S52.5-' needs more characters);
-- cells: the table columns 2-7 as JSON; see_*: the term a 'see' reference resolves to.
CREATE TABLE index_terms(
  id INTEGER PRIMARY KEY,
  book TEXT NOT NULL,
  parent INTEGER,
  level INTEGER NOT NULL,
  title TEXT NOT NULL,
  nemod TEXT NOT NULL,
  code TEXT NOT NULL,
  manif TEXT NOT NULL,
  see TEXT NOT NULL,
  see_also TEXT NOT NULL,
  subcat TEXT NOT NULL,
  seecat TEXT NOT NULL,
  cells TEXT,
  see_target INTEGER,
  see_column INTEGER,
  see_complete INTEGER,
  also_target INTEGER,
  key TEXT NOT NULL,            -- folded title, for navigation
  note TEXT NOT NULL            -- instructional note printed under the term
);
CREATE INDEX index_terms_parent ON index_terms(parent);
-- every code the Index and Tables print, for "which entries lead here" (column: table column 0-5)
CREATE TABLE index_codes(code TEXT NOT NULL, term INTEGER NOT NULL, col INTEGER);
CREATE INDEX index_codes_code ON index_codes(code);
CREATE INDEX index_terms_key ON index_terms(book, key);

-- search documents (see build/searchdocs.py): one way to reach a code
CREATE TABLE search_docs(id INTEGER PRIMARY KEY, code TEXT NOT NULL, via TEXT NOT NULL,
                         term INTEGER, path TEXT NOT NULL);
-- postings per stem: little-endian int32 document ids where the stem is required / optional
CREATE TABLE search_terms(stem TEXT PRIMARY KEY, idf REAL NOT NULL, df INTEGER NOT NULL,
                          req BLOB NOT NULL, opt BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE search_arrays(name TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
-- printed words (for autocomplete and typo tolerance) and their one-letter deletions
CREATE TABLE search_words(word TEXT PRIMARY KEY, stem TEXT NOT NULL, freq INTEGER NOT NULL)
  WITHOUT ROWID;
-- exact phrases: a document's required stems, sorted and space-joined (see vocabulary.phrase_key)
-- -> int32 ids of the documents they name; the note coder's phrase matcher (search/phrases.py)
CREATE TABLE search_phrases(key TEXT PRIMARY KEY, docs BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE search_deletes(variant TEXT NOT NULL, word TEXT NOT NULL,
                            PRIMARY KEY(variant, word)) WITHOUT ROWID;

-- tables a layer above the facts compiles from them when the store is built (the rules' tables,
-- rules/rule_tables.py: store.Stage), as named arrays: dtype ('<i4'), shape ('5' or '12,3'), bytes.
-- meta 'compiled:<stage>' holds the version of the stage's code that compiled them.
CREATE TABLE compiled(stage TEXT NOT NULL, name TEXT NOT NULL, dtype TEXT NOT NULL,
                      shape TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(stage, name)) WITHOUT ROWID;
"""
