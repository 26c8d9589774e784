package store

import (
	"bytes"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// drugBenchQueries mix what people type: kana prefixes in every width,
// substrings, digits with units, kanji.
var drugBenchQueries = []string{
	"ろきそ", "ﾛｷｿ", "ロキソ", "あむろ", "ｱﾑﾛｼﾞ", "めと", "ば", "ぷれどに", "ランソ", "がすた",
	"プロフェン", "サワイ", "塩酸塩", "錠", "トーワ", "スタチン", "OD錠",
	"６０ｍｇ", "60mg", "5mg", "0.5%", "１０ｍＬ", "100mg錠",
	"尿素", "生理食塩", "ロキソニン錠60", "アムロジピン錠5mg「サワイ」", "存在しない名前",
}

// BenchmarkDrugSearch: one search per op over the real list, cycling
// through drugBenchQueries; reports the 50th and 99th percentile.
func BenchmarkDrugSearch(b *testing.B) {
	db, _ := mustOpen(b)
	importRealList(b, db)
	if _, err := db.LoadDrugIndex(); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	hits := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := drugBenchQueries[i%len(drugBenchQueries)]
		start := time.Now()
		p, err := db.SearchDrugs(DrugQuery{Q: q})
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		hits += len(p.Hits)
	}
	b.StopTimer()
	reportPercentiles(b, times)
}

func reportPercentiles(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	at := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(float64(len(times))*p))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(1)-0, "max-µs")
}

// heapPeak samples the live heap every millisecond while fn runs and
// returns the highest value above the heap before it.
func heapPeak(fn func()) (peak uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var max atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > max.Load() {
					max.Store(v)
				}
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	if v := read(); v > max.Load() {
		max.Store(v)
	}
	if max.Load() < base {
		return 0
	}
	return max.Load() - base
}

// benchImport imports data into a fresh database per op and reports the
// heap peak of the import above what was live before it, and the CPU time
// it took (a figure the other work on a shared machine does not inflate as
// much as the wall-clock one).
func benchImport(b *testing.B, name string, data []byte) {
	var peak uint64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := Open(filepath.Join(b.TempDir(), "hotline.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0 := cpuTime()
		p := heapPeak(func() {
			sum, err := db.ImportDrugs([]DrugFile{{Name: name, R: bytes.NewReader(data)}}, DrugImportOptions{Actor: "bench"})
			if err != nil || sum.Master.Total != 12434 {
				b.Fatalf("import: %v %d", err, sum.Master.Total)
			}
		})
		cpu += cpuTime() - c0
		peak = max(peak, p)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkDrugImportCSV: the full list from the UTF-8 CSV, written and
// fsynced, its index built and swapped in.
func BenchmarkDrugImportCSV(b *testing.B) {
	benchImport(b, realDrugList, realDrugListBytes(b))
}

// BenchmarkDrugImportXLSX: the full list from an xlsx made from the CSV
// (excelize's StreamWriter, title rows, prices as numbers).
func BenchmarkDrugImportXLSX(b *testing.B) {
	book := realListXLSX(b)
	b.ResetTimer()
	benchImport(b, "yakka.xlsx", book)
	b.ReportMetric(float64(len(book))/(1<<20), "file-MB")
}

// BenchmarkDrugIndex: the index of the real list built from the file (at
// the first search after a start); reports the heap it holds.
func BenchmarkDrugIndex(b *testing.B) {
	db, _ := mustOpen(b)
	importRealList(b, db)
	var held uint64
	var st DrugIndexStats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var x *drugIndex
		b.StopTimer()
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		err := db.View(func(tx *Tx) error {
			var err error
			x, err = loadDrugIndexTx(tx)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&m1)
		held = m1.HeapAlloc - m0.HeapAlloc
		st = x.stats()
		runtime.KeepAlive(x)
		b.StartTimer()
	}
	b.ReportMetric(float64(held)/(1<<20), "held-MB")
	b.ReportMetric(float64(st.ApproxBytes)/(1<<20), "approx-MB")
}
