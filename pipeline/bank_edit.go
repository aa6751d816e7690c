package pipeline

import (
	"context"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/bank"
)

// BankPromote is `bank promote`: items whose latest decision is promote
// (all of them, or those listed) become operational with the parameters of
// their anchored calibration; others only with force and a reason.
func BankPromote(ctx context.Context, bs BankSettings, items []string, force bool, reason string) (*bank.PromoteResult, error) {
	if force && strings.TrimSpace(reason) == "" {
		return nil, Inputf("--force needs --reason: why these items are promoted against their decision")
	}
	if force && len(items) == 0 {
		return nil, Inputf("--force needs --items: the items to promote against their decision")
	}
	var res *bank.PromoteResult
	err := withBank(ctx, bs, func(b *bank.Bank) (err error) {
		res, err = b.Promote(ctx, bank.PromoteOptions{Items: items, Force: force, Reason: reason})
		return err
	})
	return res, err
}

func needReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return Inputf("--reason is required: it is kept in the audit table")
	}
	return nil
}

// BankRetire is `bank retire ITEM`.
func BankRetire(ctx context.Context, bs BankSettings, id, reason string) error {
	if err := needReason(reason); err != nil {
		return err
	}
	return withBank(ctx, bs, func(b *bank.Bank) error { return b.Retire(ctx, id, reason) })
}

// BankRevise is `bank revise ITEM`: a new version ITEM-vN that starts as
// pretest; set holds NAME=VALUE field edits.
func BankRevise(ctx context.Context, bs BankSettings, id, reason, key, domain string, set []string) (*bank.Item, error) {
	if err := needReason(reason); err != nil {
		return nil, err
	}
	r := bank.Revision{Reason: reason, Key: key, Domain: domain}
	for _, kv := range set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, Inputf("--set %q: want NAME=VALUE, e.g. stem=\"Which …\"", kv)
		}
		r.Set = append(r.Set, bank.Field{Name: strings.TrimSpace(k), Value: v})
	}
	var it *bank.Item
	err := withBank(ctx, bs, func(b *bank.Bank) (err error) { it, err = b.Revise(ctx, id, r); return })
	return it, err
}

// BankUpdateParams is `bank update-params ITEM --from-run R`: the item's
// bank parameters replaced by its estimates in that administration.
func BankUpdateParams(ctx context.Context, bs BankSettings, id, run, reason string) (int64, error) {
	if err := needReason(reason); err != nil {
		return 0, err
	}
	if run == "" {
		return 0, Inputf("--from-run is required: the run id (see `itemlab bank history ITEM`)")
	}
	var ev int64
	err := withBank(ctx, bs, func(b *bank.Bank) (err error) {
		if run, err = resolveRun(ctx, b, run); err != nil {
			return err
		}
		ev, err = b.UpdateParams(ctx, id, run, reason)
		return err
	})
	return ev, err
}

// resolveRun expands a unique prefix of a run id (as the tables show it).
func resolveRun(ctx context.Context, b *bank.Bank, run string) (string, error) {
	if len(run) == 64 {
		return run, nil
	}
	admins, err := b.Administrations(ctx, true)
	if err != nil {
		return "", err
	}
	var found []string
	for _, a := range admins {
		if strings.HasPrefix(a.RunID, run) {
			found = append(found, a.RunID)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", Inputf("no run %s in the bank (see `itemlab bank history ITEM` for run ids)", run)
	}
	return "", Inputf("run %s: %d runs start so; give more of the id", run, len(found))
}

// BankRevert is `bank revert EVENT`: undoes an add-run or a promotion.
func BankRevert(ctx context.Context, bs BankSettings, event string) (int64, error) {
	ev, err := strconv.ParseInt(strings.TrimSpace(event), 10, 64)
	if err != nil || ev <= 0 {
		return 0, Inputf("EVENT %q: want the audit event number (see audit.csv of `itemlab bank export`)", event)
	}
	var out int64
	err = withBank(ctx, bs, func(b *bank.Bank) (err error) { out, err = b.Revert(ctx, ev); return })
	return out, err
}
