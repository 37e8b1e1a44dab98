package postgres

import "testing"

// TestSQLIncrease: the growth of a total, a decrease counting as a
// restart from 0, NULL without a previous total.
func TestSQLIncrease(t *testing.T) {
	t.Parallel()
	pool, _ := xpSQLSchema(t)
	ctx := xpCtx(t)
	for _, c := range []struct {
		total, previous *int64
		want            *int64
	}{
		{new(int64(10)), new(int64(4)), new(int64(6))},
		{new(int64(4)), new(int64(4)), new(int64(0))},
		{new(int64(3)), new(int64(10)), new(int64(3))},
		{new(int64(0)), new(int64(10)), new(int64(0))},
		{new(int64(5)), nil, nil},
		{nil, new(int64(5)), nil},
	} {
		show := func(p *int64) any {
			if p == nil {
				return nil
			}
			return *p
		}
		var got *int64
		if err := pool.QueryRow(ctx, "SELECT vitals_increase($1, $2)", c.total, c.previous).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("vitals_increase(%v, %v) = %v, want %v", show(c.total), show(c.previous), show(got), show(c.want))
		}
	}
}
