package store

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Pharmacy lookup benchmarks on a file holding -rx.n prescriptions
// (1,000,000 by default):
//
//	go test ./store -run '^$' -bench PharmacyLookup -benchtime 5000x
//
// The data set is generated once into the temp directory
// (hotline-rx-bench-<n>-v<schema>.db, kept for the next run; -rx.db names
// another file) and opened as it is: the lookups add their grants and
// audit lines to it, which does not change what is measured.

var (
	flagRxDB = flag.String("rx.db", "", "prescription data set for the pharmacy benchmarks (generated when missing)")
	flagRxN  = flag.Int("rx.n", 1_000_000, "prescriptions in the generated data set")
)

var rxBenchSet struct {
	once sync.Once
	path string
	err  error
}

// rxBenchDB opens the data set, generating it first when missing.
func rxBenchDB(b *testing.B) (*DB, PharmacyActor) {
	b.Helper()
	rxBenchSet.once.Do(func() {
		path := *flagRxDB
		if path == "" {
			path = filepath.Join(os.TempDir(), fmt.Sprintf("hotline-rx-bench-%d-v%d.db", *flagRxN, SchemaVersion()))
		}
		if _, err := os.Stat(path); err != nil {
			gen := path + ".gen"
			if _, err := os.Stat(gen); err != nil {
				start := time.Now()
				if rxBenchSet.err = generateRxDataset(gen+".tmp", *flagRxN); rxBenchSet.err != nil {
					return
				}
				if rxBenchSet.err = os.Rename(gen+".tmp", gen); rxBenchSet.err != nil {
					return
				}
				fmt.Fprintf(os.Stderr, "generated %d prescriptions into %s in %s\n", *flagRxN, gen, time.Since(start).Round(time.Second))
			}
			start := time.Now()
			if rxBenchSet.err = compactRxDataset(gen, path); rxBenchSet.err != nil {
				return
			}
			fi, _ := os.Stat(path)
			fmt.Fprintf(os.Stderr, "compacted into %s in %s (%d MB)\n", path, time.Since(start).Round(time.Second), fi.Size()>>20)
			_ = os.Remove(gen)
		}
		rxBenchSet.path = path
	})
	if rxBenchSet.err != nil {
		b.Fatal(rxBenchSet.err)
	}
	db, err := Open(rxBenchSet.path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	members, err := db.Members(func(m Member) bool { return m.Name == "データセット 薬剤師" })
	if err != nil || len(members) != 1 {
		b.Fatalf("data set pharmacist: %v", err)
	}
	a, _, err := db.PharmacyMember(members[0].ID, "192.0.2.40")
	if err != nil {
		b.Fatal(err)
	}
	return db, a
}

// generateRxDataset writes n prescriptions: one issued through the store
// by a clinic's doctor (three lines), copied with a fresh 照会番号 and a
// synthetic patient (one of n/10, born 1930–2019) for the others, in
// commits of 20,000 through putPrescriptionTx (record, 照会番号 and the
// list indexes, as an issue writes them).
func generateRxDataset(path string, n int) error {
	_ = os.Remove(path)
	db, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	doc, fa, err := db.CreateTestMember(TestMemberSpec{Name: "データセット 医師", Password: "dataset-Pass-2345", FacilityName: "データセット内科"})
	if err != nil {
		return err
	}
	if _, _, err := db.CreateTestMember(TestMemberSpec{Name: "データセット 薬剤師", Password: "dataset-Pass-2345", FacilityName: "データセット薬局",
		FacilityKind: FacilityPharmacy, Qualification: QualPharmacist}); err != nil {
		return err
	}
	if err := db.ImportSampleDrugs(); err != nil {
		return err
	}
	pt, err := db.RegisterPatient(PRSActor{MemberID: doc.ID, FacilityOID: fa.OID}, PatientForm{Name: "見本 太郎", NameKana: "ミホン タロウ",
		BirthDate: "1970-04-01", Sex: "male", InsurerNumber: "01130012", Phone: "03-1234-5678", Address: "東京都千代田区1-1", Postal: "100-0001"})
	if err != nil {
		return err
	}
	tmpl, err := db.IssuePrescription(RxActor{MemberID: doc.ID}, RxForm{PatientID: pt.ID, InsurerNumber: "01130012", Lines: []RxLineForm{
		{DrugCode: "2171022F5032", Amount: "1", Usage: "1日1回朝食後", Days: "28"},
		{DrugCode: "2329021F1102", Amount: "3", Usage: "1日3回毎食後", Days: "14", Generic: true},
		{DrugCode: "2649735S3020", Amount: "14", Usage: "1日1回 患部に貼付"},
	}})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	patients := max(n/10, 1)
	for done := 1; done < n; {
		err := db.Update(func(tx *Tx) error {
			b := tx.bucket(bucketPrescriptions)
			// Records come in key order: full pages, as a server's file
			// fills over the years.
			b.FillPercent = appendFill
			for k := 0; k < 20000 && done < n; k++ {
				p := tmpl
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				p.Seq, p.ID = seq, rxID(seq)
				if p.Number, err = newRxNumberTx(tx); err != nil {
					return err
				}
				who := rng.IntN(patients)
				p.PatientID = "PG" + strconv.Itoa(who)
				p.BirthDate = time.Date(1930+who%90, time.Month(1+who%12), 1+who%28, 0, 0, 0, 0, time.UTC)
				if err := putPrescriptionTx(tx, nil, p); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// compactRxDataset copies the generated file into a compact one: the
// generation's big commits leave hundreds of thousands of free pages,
// whose list bbolt would write out on every later commit (about 600 KB
// per lookup); a file a server has grown over years of small commits has
// no such list.
func compactRxDataset(from, to string) error {
	src, err := bolt.Open(from, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer src.Close()
	_ = os.Remove(to + ".tmp")
	dst, err := bolt.Open(to+".tmp", 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Rename(to+".tmp", to)
}

// rxSample is a stored prescription's number and birth date, drawn at
// random.
type rxSample struct{ number, birth string }

func rxSamples(b *testing.B, db *DB, k int) []rxSample {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	out := make([]rxSample, 0, k)
	err := db.View(func(tx *Tx) error {
		last := tx.bucket(bucketPrescriptions).Sequence()
		for len(out) < k {
			p, found, err := prescriptionBySeqTx(tx, 1+rng.Uint64N(last))
			if err != nil {
				return err
			}
			if found && p.Number != "" {
				out = append(out, rxSample{p.DisplayNumber(), p.BirthDate.Format("2006-01-02")})
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// reportLatency adds the median and the 99th percentile of the calls'
// times to the benchmark's output.
func reportLatency(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkPharmacyLookup is a found lookup, all of it: validation, the
// throttle check, the index and record reads, and the grant with its
// audit line committed (fsync) before it returns.
func BenchmarkPharmacyLookup(b *testing.B) {
	db, a := rxBenchDB(b)
	samples := rxSamples(b, db, 10000)
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := samples[i%len(samples)]
		start := time.Now()
		if _, err := db.LookupPrescription(a, s.number, s.birth); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, times)
}

// The two misses, unknown number and wrong birth date, each measured as
// the whole lookup (audit line and throttle count included). Every nine
// misses the member's throttle is lifted outside the timing, and each
// miss comes from its own address, so every one is answered, not held.
func BenchmarkPharmacyLookupMissUnknownNumber(b *testing.B) {
	benchLookupMiss(b, func(s rxSample) rxSample { return rxSample{NewRxNumber(), s.birth} })
}

func BenchmarkPharmacyLookupMissWrongBirthDate(b *testing.B) {
	benchLookupMiss(b, func(s rxSample) rxSample { return rxSample{s.number, "1929-12-31"} })
}

func benchLookupMiss(b *testing.B, spoil func(rxSample) rxSample) {
	db, a := rxBenchDB(b)
	samples := rxSamples(b, db, 10000)
	tries := make([]rxSample, len(samples))
	for i, s := range samples {
		tries[i] = spoil(s)
	}
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%9 == 0 {
			b.StopTimer()
			if err := db.ClearAccountLoginLimits(a.MemberID, "bench", ""); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		s := tries[i%len(tries)]
		a.Remote = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		start := time.Now()
		if _, err := db.LookupPrescription(a, s.number, s.birth); ErrorCode(err) != ENOTFOUND {
			b.Fatalf("miss %d: %v", i, err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, times)
}

// The reads a miss does, alone (no audit, no throttle): what must cost
// the same for an unknown number and a wrong birth date.
func BenchmarkPharmacyLookupReadUnknownNumber(b *testing.B) {
	benchLookupRead(b, func(s rxSample) rxSample { return rxSample{NewRxNumber(), s.birth} })
}

func BenchmarkPharmacyLookupReadWrongBirthDate(b *testing.B) {
	benchLookupRead(b, func(s rxSample) rxSample { return rxSample{s.number, "1929-12-31"} })
}

func benchLookupRead(b *testing.B, spoil func(rxSample) rxSample) {
	db, _ := rxBenchDB(b)
	samples := rxSamples(b, db, 10000)
	type try struct {
		number string
		birth  time.Time
	}
	tries := make([]try, len(samples))
	for i, s := range samples {
		s = spoil(s)
		n, _ := NormalizeRxNumber(s.number)
		t, _ := time.Parse("2006-01-02", s.birth)
		tries[i] = try{n, t}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := tries[i%len(tries)]
		err := db.View(func(tx *Tx) error {
			_, match, err := rxLookupTx(tx, t.number, t.birth)
			if match {
				return fmt.Errorf("a miss matched")
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
