package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Benchmarks of Web処方箋 (figures in BENCHMARKS.md):
//
//	go test ./store/ -run XXX -bench 'Rx' -benchtime 2000x

// reportLatencies adds p50 and p99 in ms.
func reportLatencies(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRxIssueParallel20 issues prescriptions from 20 goroutines at
// once: validation, the durable commit with its audit line, as POST /rx
// does.
func BenchmarkRxIssueParallel20(b *testing.B) {
	f := newRxFixture(b)
	form := f.form(rxLine("1149019F1560", "3", "1日3回毎食後", "7"), rxLine("2329021F1102", "3", "1日3回毎食後", "7"))
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(20 / max(1, runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			if _, err := f.db.IssuePrescription(f.doctorA, form); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(t0)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkRxDuplicateCheck200 checks three lines for a patient with 200
// prescriptions in their period from 5 facilities (the home clinic and 4
// linked ones).
func BenchmarkRxDuplicateCheck200(b *testing.B) {
	f := newRxFixture(b)
	doctors := []RxActor{f.doctorA}
	for i := range 4 {
		m, fa, err := f.db.CreateTestMember(TestMemberSpec{Name: "医師 " + strconv.Itoa(i), Password: "member-Pass-2345", FacilityName: "病院" + strconv.Itoa(i), FacilityKind: FacilityHospital})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.db.LinkPatient(f.a, f.patient.ID, LinkForm{FacilityOID: fa.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
			b.Fatal(err)
		}
		doctors = append(doctors, RxActor{MemberID: m.ID})
	}
	codes := []string{"1141007F1063", "1149019F1560", "2171022F5032", "2171014F1113", "2329021F1102", "1124007F2026"}
	for i := range 200 {
		form := f.form(rxLine(codes[i%len(codes)], "1", "1日1回朝食後", "14"), rxLine(codes[(i+1)%len(codes)], "1", "1日1回朝食後", "14"))
		form.InsurerNumber = ""
		mustIssue(b, f.db, doctors[i%len(doctors)], form)
	}
	lines := []RxCheckLine{{0, "2171022F5180"}, {1, "2649735S3020"}, {2, "2329021F1102"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		d, err := f.db.DuplicateMedications(f.doctorA, f.patient.ID, lines, "")
		if err != nil || len(d) == 0 {
			b.Fatal(len(d), err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkRxLookupByNumber1M looks prescriptions up by 照会番号 among
// 1,000,000 stored ones (HOTLINE_BENCH_RX overrides the count), as the
// pharmacy lookup does before it compares the birth date.
func BenchmarkRxLookupByNumber1M(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("HOTLINE_BENCH_RX"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	db, err := Open(filepath.Join(b.TempDir(), "hotline.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Now()
	numbers := bulkPrescriptions(b, db, n)
	build := time.Since(t0)
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 2))
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			num := numbers[rng.IntN(len(numbers))]
			t0 := time.Now()
			p, err := db.PrescriptionByNumber(FormatRxNumber(num))
			if err != nil || p.Number != num {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		reportLatencies(b, lat)
		b.ReportMetric(build.Seconds(), "build-s")
		b.ReportMetric(float64(db.FileSize())/(1<<20), "file-MiB")
	})
}

// bulkPrescriptions stores n issued prescriptions (two lines each, 1,000
// patients over 20 facilities) in large transactions, as a store of many
// years would hold them, and returns their numbers.
func bulkPrescriptions(b *testing.B, db *DB, n int) []string {
	b.Helper()
	numbers := make([]string, 0, n)
	day := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	const per = 20000
	for start := 0; start < n; start += per {
		err := db.Update(func(tx *Tx) error {
			for i := start; i < min(n, start+per); i++ {
				seq, err := tx.bucket(bucketPrescriptions).NextSequence()
				if err != nil {
					return err
				}
				num, err := newRxNumberTx(tx)
				if err != nil {
					return err
				}
				oid := fmt.Sprintf("F%06d", 1+i%20)
				p := Prescription{ID: rxID(seq), Seq: seq, Status: RxIssued, Number: num,
					PatientID: fmt.Sprintf("P%012d", i%1000), PatientName: "山田　太郎", PatientKana: "ヤマダ　タロウ",
					BirthDate: time.Date(1970, 4, 1, 0, 0, 0, 0, time.UTC), Sex: SexMale,
					FacilityOID: oid, FacilityName: "あおば内科クリニック", FacilityKind: FacilityClinic, FacilityCode: "1310112345",
					PrescriberID: "H000001", PrescriberName: "医師　一郎", PrescriberQual: QualDoctor,
					Insurance: RxInsurance{InsurerNumber: "01130012", InsuredSymbol: "12", InsuredNumber: "345"},
					Groups: []RxGroup{{Kind: RxOral, Usage: "1日3回毎食後", Days: 7, Lines: []RxLine{
						{DrugCode: "1149019F1560", DrugName: "ロキソニン錠６０ｍｇ", Ingredient: "ロキソプロフェンナトリウム水和物", GenericName: "ロキソプロフェンナトリウム水和物錠６０ｍｇ", MasterVersion: 1, Amount: "3", Unit: "錠"},
						{DrugCode: "2329021F1102", DrugName: "ムコスタ錠１００ｍｇ", Ingredient: "レバミピド", GenericName: "レバミピド錠１００ｍｇ", MasterVersion: 1, Amount: "3", Unit: "錠"}}}},
					IssuedOn: day.AddDate(0, 0, -i%3650), ValidUntil: day.AddDate(0, 0, 3-i%3650), IssuedAt: tx.Now, CreatedAt: tx.Now, UpdatedAt: tx.Now}
				if err := putPrescriptionTx(tx, nil, p); err != nil {
					return err
				}
				numbers = append(numbers, num)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return numbers
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
