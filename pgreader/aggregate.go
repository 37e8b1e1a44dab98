package pgreader

// Aggregate says how a gauge's values combine within a step of a Range:
// see RangeQuery.Aggregate.
type Aggregate string

// The aggregates of gauge values. The zero Aggregate is AggregateAvg.
const (
	AggregateAvg  Aggregate = "avg"  // the mean of the values (the default)
	AggregateMin  Aggregate = "min"  // the smallest value
	AggregateMax  Aggregate = "max"  // the largest value
	AggregateLast Aggregate = "last" // the latest value
)

// gaugeAggregates maps RangeQuery.Aggregate to the SQL that reduces one
// series' gauge values over a step. Only these fixed strings reach the SQL.
var gaugeAggregates = map[Aggregate]string{
	"":            "avg(value)",
	AggregateAvg:  "avg(value)",
	AggregateMin:  "min(value)",
	AggregateMax:  "max(value)",
	AggregateLast: "(array_agg(value ORDER BY ts DESC) FILTER (WHERE value IS NOT NULL))[1]",
}
