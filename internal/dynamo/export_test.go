package dynamo

// SetQueuePageSize makes sealed pages small enough for a test to span several.
func SetQueuePageSize(q *Queue, n int) { q.pageSize = n }
