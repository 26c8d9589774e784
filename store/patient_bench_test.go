package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
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
