package bank

// PGTarget gives the external tests (package bank_test) a new PostgreSQL
// database, as the bank's own tests get one (see pgTarget).
var PGTarget = pgTarget
