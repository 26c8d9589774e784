package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Store-level PRS benchmarks. On the 100k data set:
//
//	go test ./store -run '^$' -bench PRS -benchtime 2000x -prs.db=/tmp/prs-100k.db
//
// (generated when missing, see TestGeneratePRSDataset); without -prs.db
// they use a 20,000-patient set made once per run in a temp directory.

var benchSet struct {
	once sync.Once
	path string
	err  error
	dir  string
}

// benchDataset returns a copy of the data set (a fresh copy for writes).
func benchDataset(b *testing.B, writable bool) (*DB, PRSActor) {
	b.Helper()
	benchSet.once.Do(func() {
		path := *flagPRSDB
		n := 100000
		if path == "" {
			benchSet.dir, benchSet.err = os.MkdirTemp("", "prs-bench")
			if benchSet.err != nil {
				return
			}
			path, n = filepath.Join(benchSet.dir, "bench.db"), 20000
		}
		db, _, _, err := EnsurePRSDataset(path, n, 1, nil)
		if err == nil {
			db.Close()
		}
		benchSet.path, benchSet.err = path, err
	})
	if benchSet.err != nil {
		b.Fatal(benchSet.err)
	}
	path := benchSet.path
	if writable {
		path = filepath.Join(b.TempDir(), "copy.db")
		in, err := os.Open(benchSet.path)
		if err != nil {
			b.Fatal(err)
		}
		out, err := os.Create(path)
		if err == nil {
			_, err = io.Copy(out, in)
			// On disk before the clock starts: the first commits must not
			// pay for writing out the copy.
			if err == nil {
				err = out.Sync()
			}
			out.Close()
		}
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(path, Options{ReadOnly: !writable})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	members, err := db.Members(func(m Member) bool { return m.Name == "データセット 医師" })
	if err != nil || len(members) != 1 {
		b.Fatalf("data set member: %v", err)
	}
	return db, PRSActor{MemberID: members[0].ID, FacilityOID: members[0].FacilityOID, Remote: "bench"}
}

var benchPrefixes = []string{"サ", "サト", "サトウ", "ヤ", "ヤマ", "ヤマダ", "タカハ", "ナカム", "ス", "スズキ", "イ", "イトウ",
	"ワタナ", "コバヤシ", "や", "やまも", "ﾀﾅｶ", "ﾊｾｶﾞﾜ", "オ", "オオタ", "ミウラ", "フジ", "キムラ", "ハヤシ"}

func benchSearch(b *testing.B, q func(i int) string) {
	db, a := benchDataset(b, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page, err := db.SearchPatients(a, PatientQuery{Q: q(i)})
		if err != nil {
			b.Fatal(err)
		}
		_ = page
	}
}

func BenchmarkPRSSearchKanaPrefix(b *testing.B) {
	benchSearch(b, func(i int) string { return benchPrefixes[i%len(benchPrefixes)] })
}

func BenchmarkPRSList(b *testing.B) { benchSearch(b, func(int) string { return "" }) }

func BenchmarkPRSSearchKanjiCommon(b *testing.B) {
	benchSearch(b, func(int) string { return "山田" })
}

func BenchmarkPRSSearchKanjiNoMatch(b *testing.B) {
	benchSearch(b, func(int) string { return "該当者なし" })
}

func BenchmarkPRSSearchBirth(b *testing.B) {
	benchSearch(b, func(i int) string { return fmt.Sprintf("S%d.%d.%d", 10+i%50, 1+i%12, 1+i%28) })
}

// benchAuditedSearch runs searches as the list handler does: the search,
// then its audit line queued for the next group commit (AuditSoon). It
// reports the median and p99 of one search and how many searches shared a
// commit; the time to flush what is still queued at the end is counted in
// the benchmark's ns/op, so the commits are paid for.
func benchAuditedSearch(b *testing.B, parallel int) {
	db, a := benchDataset(b, true)
	search := func(i int) time.Duration {
		t0 := time.Now()
		page, err := db.SearchPatients(a, PatientQuery{Q: benchPrefixes[i%len(benchPrefixes)]})
		if err != nil {
			b.Error(err)
			return 0
		}
		ids := make([]string, len(page.Patients))
		for j, p := range page.Patients {
			ids[j] = p.ID
		}
		if err := db.AuditPatientsShown(a, "patient.list", ids); err != nil {
			b.Error(err)
		}
		return time.Since(t0)
	}
	var mu sync.Mutex
	var times []time.Duration
	var n atomic.Int64
	commits0 := db.auditCommits()
	b.ReportAllocs()
	b.ResetTimer()
	if parallel == 1 {
		for i := 0; i < b.N; i++ {
			times = append(times, search(i))
		}
	} else {
		b.SetParallelism(max(1, parallel/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				mine = append(mine, search(int(n.Add(1))))
			}
			mu.Lock()
			times = append(times, mine...)
			mu.Unlock()
		})
	}
	db.FlushAudit()
	b.StopTimer()
	slices.Sort(times)
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	}
	if c := db.auditCommits() - commits0; c > 0 {
		b.ReportMetric(float64(b.N)/float64(c), "searches/commit")
	}
}

// BenchmarkPRSSearchAudited: one searcher (an idle server: every audit
// line is a commit of its own).
func BenchmarkPRSSearchAudited(b *testing.B) { benchAuditedSearch(b, 1) }

// BenchmarkPRSSearchAudited20: 20 searchers at once share commits.
func BenchmarkPRSSearchAudited20(b *testing.B) { benchAuditedSearch(b, 20) }

// BenchmarkPRSRegister registers patients from 20 goroutines (one per
// connection of the HTTP figure), each a durable db.Batch commit.
func BenchmarkPRSRegister(b *testing.B) {
	db, a := benchDataset(b, true)
	var n atomic.Int64
	b.SetParallelism(max(1, 20/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			f := GeneratedPatientForm(99, i)
			f.ChartNumber = fmt.Sprintf("BR-%d", i)
			if _, err := db.RegisterPatient(a, f); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
