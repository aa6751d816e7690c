package spec

// Example is the commented exam spec that itemlab init writes. It runs as
// it is on the files itemlab simulate writes into the same folder, and it
// names every key itemlab reads, with its default and meaning (the keys of
// optional sections are commented out).
const Example = `# itemlab exam specification — read by: itemlab run --spec exam.yaml
# Paths are relative to this file's folder. Delete a line to get the default.
# itemlab checks the whole file before anything runs and lists every problem
# with its line: unknown keys, values out of range, files that do not exist.

exam: CEHRS                    # a name for the reports

# --- the administration ------------------------------------------------------
responses: responses.csv       # wide CSV/TSV/XLSX, one row per candidate (or long CSV)
items: items.csv               # item_id,key,domain,status[,options,anchor,a,b,c]
data:
  omit: wrong                  # omits in calibration: wrong (default) or missing (raw scores: always wrong)
  not_reached: false           # true: trailing omits count as not reached (missing); default false
  # id_column: examinee_id     # candidate id column; default: examinee_id, id, candidate_id, ...
  # group_column: group        # the DIF groups; default: a column named group
  # form_column: form          # the form of each candidate; default: a column named form
  # options: ABCD              # option codes of items whose items-file row has none
  # sheet: Responses           # worksheet of an XLSX responses file; default: the first
  # items_sheet: Items         # worksheet of an XLSX items file; default: the first
  # ignore: [notes, date]      # responses columns that are neither id, group, form nor item
  # encoding: windows-1252     # CSV files saved by Excel in a Western locale; default utf-8
  # max_rows: 200000           # rows an XLSX responses file may run to (larger data: save as CSV)
  # max_cells: 67108864        # largest candidates × items matrix a long-format file may imply; default: 64 × its responses

# --- the blueprint: domains and their weights (percent of scored items) ------
# Names are unique; weights are positive and sum to 100.
domains:
  - {name: Clinical Operations, weight: 32}
  - {name: Non-Clinical Operations, weight: 28}
  - {name: Revenue Cycle/Finance, weight: 15}
  - {name: Regulatory Compliance, weight: 15}
  - {name: Reporting, weight: 10}

# --- classical flags (defaults shown; each in (0, 1]) -------------------------
classical:
  low_discrimination: 0.15     # flag a corrected point-biserial below this
  too_easy: 0.95               # flag a p above this
  too_hard: 0.20               # flag a p below this (must be below too_easy)
  nonfunctioning_distractor: 0.05  # a distractor chosen by fewer than this share does not function
  high_omit: 0.05              # flag an item omitted by more than this share

# --- IRT calibration of the operational items --------------------------------
calibration:
  model: 3pl                   # rasch, 2pl or 3pl (default 3pl)
  method: mml                  # mml (all models, default); cml or jml (Rasch only)
  scoring: eap                 # person scores in persons.csv: eap (default), map, mle or wle
  all: false                   # true: calibrate pretest items concurrently; default false
  # max_items: 2000            # most items calibrated (the standard errors grow as items³); default 2000

# --- the reporting scale ------------------------------------------------------
scale:
  cut: 390                     # passing scale score (default 390); min < cut < max
  min: 200                     # lowest scale score (default 200)
  max: 500                     # highest scale score (default 500)
  cut_theta: -0.5              # the standard as θ, in [-6, 6]; or cut_raw: 62 (raw cut on this form, ≥ 0)
  # slope: 30                  # scale points per logit (> 0); default: a perfect score reaches max
  method: tcc                  # θ of a raw score: tcc (default) or eap
  # base: ../base/scale/scale.json   # later forms: reuse the base form's scale (then no cut, min, max, slope)

# --- linking to the base form (later forms only; or bank: below, not both) ----
# base_form:
#   params: ../base/calibrate/params.csv   # required: the base form's calibration
#   responses: ../base/responses.csv   # optional: adds classical common-item equating
#   items: ../base/items.csv           # the base form's items file, with responses
#   method: stocking-lord              # stocking-lord (default), haebara, mean-mean, mean-sigma
#   drift_statistic: lord              # anchor-drift screen: lord (default; Lord's chi-square on the
#                                      # anchor's slope and difficulty after linking, given c, as two
#                                      # 1-df tests, from both forms' covariances and the link), lord-b
#                                      # (its difficulty part alone), b-se (the b difference over its SE)
#                                      # or none
#   drift_alpha: 0.05                  # family-wise level of the screen (Bonferroni over the anchors), in (0, 0.5); default 0.05
#   drift_max_drop: 0.20               # largest share of anchors the screen may drop, in [0, 1]; default 0.20

# --- the item bank (itemlab bank; or base_form: above, not both) --------------
# bank:
#   path: bank.sqlite                  # required: a SQLite file, or postgres://user@host/db
#   link: stocking-lord                # onto the bank scale: stocking-lord (default), haebara,
#                                      # or fixed (common items held at their bank values)

# --- pretest review and DIF ---------------------------------------------------
pretest:
  # rules: pretest-rules.yaml  # override the default decision thresholds
  skip: false                  # true: no pretest review; default false
dif:
  focal: focal                 # focal group label in the group column
  reference: reference         # reference group label (default: all others)
  match: include-item          # matching score: include-item (default; the operational total plus
                               # the studied item, Holland & Thayer) or exclude-item
  skip: false                  # true: no DIF analysis; default false

# --- pass-rate projection -----------------------------------------------------
projection:
  cuts: 350:430:1              # scale-score cuts FROM:TO:STEP (or one number), within [min, max]; default 350:430:1
  shifts: -0.5:0.5:0.1         # population mean shifts in logits, within [-3, 3]; default -0.5:0.5:0.1
  reps: 200                    # bootstrap replications for the intervals, 0 to 100000;
                               # 0: no intervals; default (key absent) 200
  # alt_params: [next_form_params.csv]   # other forms' params.csv to project at the cut

# --- form assembly from the bank (itemlab assemble) ---------------------------
# assembly:
#   length: 100                # operational items per form; default: the sum of the domain
#                              # counts below, else 100
#   forms: 1                   # forms to assemble, no overlap beyond the anchors; default 1
#   domains:                   # counts per domain; default: from the weights above (largest remainder)
#     - {name: Clinical Operations, count: 32}
#     - {name: Non-Clinical Operations, min: 26, max: 30}   # or a range
#     - {name: Revenue Cycle/Finance, count: 15}
#     - {name: Regulatory Compliance, min: 13, max: 17}
#     - {name: Reporting, count: 10}
#   anchors: {from_form: form1, count: 20}   # an anchor block shared with a previous form
#   enemies: enemy_set         # items-file column: items with the same value never share a form
#   constraints:               # item counts per value of an items-file metadata column
#     - {column: format, value: scenario, min: 5, max: 15}
#   exposure:
#     max_administrations: 5   # items given this many times are not eligible; 0 (default): no limit
#     max_recent_forms: 2      # items on any of the last N forms are not eligible; 0 (default): no limit
#   objective: match-base      # cut-information (default; the most information at the cut θ)
#                              # or match-base (closest to the base form's TIF and TCC)
#   theta_points: [-2, -1, 0, 1, 2]   # match-base only: θ points to match; default shown
#   pretest_slots: 25          # unscored pretest items per form from the bank; default 0
#   solver: auto               # cbc, glpsol, heuristic, or auto (default: the first found)
#   time_limit: 60             # seconds the solver may run; default 60
#   gap: 0.01                  # relative optimality gap at which the solver may stop, in [0, 1); default 0.01

# --- outputs for people -------------------------------------------------------
report:
  workbook: true               # report.xlsx; default true
  charts: false                # PNG charts in charts/ with index.html; default false (review.html has every chart)
  # format: png                # png or svg: the format of those charts (giving it turns charts on)

seed: 1                        # seed of every bootstrap: same seed, same tables; default 1
`
