package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/internal/pgschema"
)

// vitals_blocks is partitioned by UTC day like vitals_points:
// vitals_blocks_pYYYYMMDD holds the blocks of that day. A day's partition
// is created by the compaction that first needs it and dropped with the
// day's partition of vitals_points, once the day is past the retention.
// There is no default partition: no block is written without its day's.

const blocksPartitionPrefix = pgschema.BlocksTable + "_p"

// blocksPartition returns the quoted, qualified name of day's partition of
// vitals_blocks.
func blocksPartition(n pgschema.Names, day time.Time) string {
	return pgx.Identifier{n.Schema, blocksPartitionPrefix + day.UTC().Format("20060102")}.Sanitize()
}

// createBlocksPartition creates day's partition of vitals_blocks unless it
// exists, in its own transaction under the schema's advisory lock.
func createBlocksPartition(ctx context.Context, pool *pgxpool.Pool, n pgschema.Names, day time.Time) error {
	day = dayOf(day)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := beginDDL(ctx, tx, n); err != nil {
			return err
		}
		from, to := day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339)
		_, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+blocksPartition(n, day)+" PARTITION OF "+n.Blocks+
			" FOR VALUES FROM ('"+from+"') TO ('"+to+"')")
		return err
	})
}

// blocksDays lists the days that have a partition of vitals_blocks.
func blocksDays(ctx context.Context, q querier, n pgschema.Names) ([]time.Time, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass($1)`, n.Blocks)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var days []time.Time
	for _, name := range names {
		s, ok := strings.CutPrefix(name, blocksPartitionPrefix)
		if !ok {
			continue
		}
		if day, err := time.Parse("20060102", s); err == nil {
			days = append(days, day)
		}
	}
	return days, nil
}

// dropExpiredBlocks drops the partitions of vitals_blocks whose day is
// entirely older than the retention at now, each in its own transaction
// under the schema's advisory lock, and returns their days.
func (p *partitions) dropExpiredBlocks(ctx context.Context, now time.Time) ([]time.Time, error) {
	days, err := blocksDays(ctx, p.pool, p.n)
	if err != nil {
		return nil, fmt.Errorf("list partitions of %s: %w", p.n.Blocks, err)
	}
	var dropped []time.Time
	for _, day := range days {
		if !p.expired(day, now) {
			continue
		}
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			if err := beginDDL(ctx, tx, p.n); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+blocksPartition(p.n, day))
			return err
		})
		if err != nil {
			return dropped, fmt.Errorf("drop expired partition %s: %w", blocksPartition(p.n, day), err)
		}
		dropped = append(dropped, day)
	}
	return dropped, nil
}
