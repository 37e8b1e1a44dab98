package exporters

import "testing"

func TestQueue(t *testing.T) {
	q := newQueue(3)
	b := func(points int) *batch { return &batch{points: points} }
	b1, b2, b3, b4, b5 := b(1), b(2), b(3), b(4), b(5)
	if q.head() != nil || q.pop() != nil || q.len() != 0 {
		t.Fatal("new queue is not empty")
	}
	for _, x := range []*batch{b1, b2, b3} {
		if ev := q.push(x); ev != nil {
			t.Fatalf("push into a queue with room evicted %+v", ev)
		}
	}
	if ev := q.push(b4); ev != b1 || q.head() != b2 || q.len() != 3 {
		t.Fatalf("push into a full queue evicted %+v, head %+v, len %d; want the oldest out", ev, q.head(), q.len())
	}
	if q.pop() != b2 || q.head() != b3 {
		t.Fatal("pop did not return the oldest")
	}
	if ev := q.push(b5); ev != nil || q.len() != 3 {
		t.Fatalf("push after pop evicted %+v", ev)
	}
	for _, want := range []*batch{b3, b4, b5} {
		if got := q.pop(); got != want {
			t.Fatalf("pop = %+v, want %+v", got, want)
		}
	}
	if q.len() != 0 || q.head() != nil {
		t.Fatal("the queue is not empty after popping everything")
	}
	for i, slot := range q.ring {
		if slot != nil {
			t.Errorf("slot %d still holds a batch after pop", i)
		}
	}
}
