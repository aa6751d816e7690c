package spec

// Example is the commented exam spec that itemlab init writes. It runs as
// it is on the files itemlab simulate writes into the same folder.
const Example = `# itemlab exam specification — read by: itemlab run --spec exam.yaml
# Paths are relative to this file's folder. Delete a line to get the default.

exam: CEHRS                    # a name for the reports

# --- the administration ------------------------------------------------------
responses: responses.csv       # wide CSV/TSV/XLSX, one row per candidate (or long CSV)
items: items.csv               # item_id,key,domain,status[,options,anchor,a,b,c]
data:
  omit: wrong                  # omits in calibration: wrong or missing (raw scores: always wrong)
  not_reached: false           # trailing omits count as not reached (missing)
  # id_column: examinee_id     # default: examinee_id, id, candidate_id, ...
  # group_column: group        # the DIF groups; default: a column named group
  # options: ABCD              # option codes of items whose items-file row has none
  # sheet: Responses           # worksheet of an XLSX responses file

# --- the blueprint: domains and their weights (percent of scored items) ------
domains:
  - {name: Clinical Operations, weight: 32}
  - {name: Non-Clinical Operations, weight: 28}
  - {name: Revenue Cycle/Finance, weight: 15}
  - {name: Regulatory Compliance, weight: 15}
  - {name: Reporting, weight: 10}

# --- classical flags (defaults shown) ----------------------------------------
classical:
  low_discrimination: 0.15     # corrected point-biserial below this
  too_easy: 0.95               # p above this
  too_hard: 0.20               # p below this
  nonfunctioning_distractor: 0.05
  high_omit: 0.05

# --- IRT calibration of the operational items --------------------------------
calibration:
  model: 3pl                   # rasch, 2pl or 3pl
  method: mml                  # mml (all models); cml or jml (Rasch only)
  scoring: eap                 # person scores in persons.csv: eap, map, mle or wle
  all: false                   # true: calibrate pretest items concurrently

# --- the reporting scale ------------------------------------------------------
scale:
  cut: 390                     # passing scale score
  min: 200
  max: 500
  cut_theta: -0.5              # the standard as θ; or cut_raw: 62 (raw cut on this form)
  slope: 0                     # scale points per logit; 0 = a perfect score reaches max
  method: tcc                  # θ of a raw score: tcc or eap
  # base: ../base/scale/scale.json   # later forms: reuse the base form's scale instead

# --- linking to the base form (later forms only) ------------------------------
# base_form:
#   params: ../base/calibrate/params.csv
#   responses: ../base/responses.csv   # optional: adds classical common-item equating
#   items: ../base/items.csv
#   method: stocking-lord              # haebara, mean-mean, mean-sigma
#   drift_threshold: 2.7               # |robust z| that drops a drifting anchor

# --- pretest review and DIF ---------------------------------------------------
pretest:
  # rules: pretest-rules.yaml  # override the default decision thresholds
  skip: false
dif:
  focal: focal                 # focal group label in the group column
  reference: reference         # reference group label (default: all others)
  skip: false

# --- pass-rate projection -----------------------------------------------------
projection:
  cuts: 350:430:1              # scale-score cuts of the pass-rate curve
  shifts: -0.5:0.5:0.1         # population mean shifts in logits
  reps: 200                    # replications for the intervals
  # alt_params: [next_form_params.csv]

# --- outputs for people -------------------------------------------------------
report:
  workbook: true               # report.xlsx
  charts: true                 # charts/ with index.html
  format: png                  # png or svg

seed: 1                        # seed of every bootstrap: same seed, same tables
`
