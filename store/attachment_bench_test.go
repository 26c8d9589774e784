package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPutAttachment5MB: one 5 MB PDF stored in its own transaction,
// committed and fsynced (distinct content each time, so it is written).
//
//	go test ./store -run '^$' -bench PutAttachment5MB -benchtime 50x
func BenchmarkPutAttachment5MB(b *testing.B) {
	db, _ := mustOpen(b)
	files := make([][]byte, 8)
	for i := range files {
		files[i] = SamplePDF(5<<20, uint64(i))
	}
	b.SetBytes(5 << 20)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		data := files[i%len(files)]
		// A different last byte of padding makes each upload a new blob.
		data[len(data)-200] = byte(i)
		data[len(data)-201] = byte(i >> 8)
		putAttachment(b, db, "bench:R000001", UploadBytes("検査.pdf", data))
	}
}

// BenchmarkAttachmentBloat measures how the file grows with the chunk size:
// 1,000 uploads of 100 KB–5 MB (PDFs, one to three per record, each record
// in its own transaction with an audit line) and, spread among them, 200
// revisions that carry some attachments of a record over by reference and
// add a new one (a quarter of them also carry one file into a letter).
// It reports the file size over the bytes of distinct content.
//
//	go test ./store -run '^$' -bench AttachmentBloat -benchtime 1x -timeout 60m
func BenchmarkAttachmentBloat(b *testing.B) {
	fixed := func(n int) func(int) int { return func(int) int { return n } }
	fitted := func(pages int) func(int) int { return func(ps int) int { return pages*ps - chunkSlack } }
	for _, c := range []struct {
		name string
		size func(int) int
	}{
		{"whole-file", fixed(MaxAttachmentSize)},
		{"16KiB", fixed(16 << 10)},
		{"32KiB", fixed(32 << 10)},
		{"64KiB", fixed(64 << 10)},
		{"256KiB", fixed(256 << 10)},
		{"16KiB-fitted", fitted(4)},
		{"32KiB-fitted", fitted(8)},
		{"64KiB-fitted", fitted(16)},
		{"256KiB-fitted", fitted(64)},
	} {
		b.Run(c.name, func(b *testing.B) {
			saved := attachmentChunkSize
			attachmentChunkSize = c.size
			defer func() { attachmentChunkSize = saved }()
			for b.Loop() {
				res := runAttachmentWorkload(b, filepath.Join(b.TempDir(), "bloat.db"), 1000, 200)
				b.ReportMetric(float64(res.file)/float64(res.stored), "file/stored")
				b.ReportMetric(float64(res.file)/1e6, "MB-file")
				b.ReportMetric(float64(res.stored)/1e6, "MB-stored")
				b.ReportMetric(float64(res.freePages), "free-pages")
				b.ReportMetric(float64(res.written)/float64(res.stored), "written/stored")
				b.ReportMetric(res.perUpload.Seconds()*1000, "ms/upload")
				b.Logf("%s: chunk %d B, file %d B, stored %d B (%d uploads, %d attachments), ratio %.3f, %d free pages, pages written %.2f × stored, %.1f ms per upload, check %v",
					c.name, c.size(4096), res.file, res.stored, res.uploads, res.attachments, float64(res.file)/float64(res.stored), res.freePages,
					float64(res.written)/float64(res.stored), res.perUpload.Seconds()*1000, res.check.Round(time.Millisecond))
			}
		})
	}
}

type workloadResult struct {
	file, stored         int64
	written              int64 // bytes of pages written (bbolt's PageAlloc)
	uploads, attachments int
	freePages            int
	perUpload            time.Duration
	check                time.Duration // hotline check of the file afterwards
}

// runAttachmentWorkload writes uploads new files in records and revisions
// revisions into a new database at path, and checks it afterwards.
func runAttachmentWorkload(tb testing.TB, path string, uploads, revisions int) workloadResult {
	tb.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	var res workloadResult
	type record struct {
		owner string
		ids   []string
	}
	var records []record
	seed := uint64(0)
	newFile := func() Upload {
		seed++
		size := 100<<10 + rng.IntN(5<<20-100<<10+1)
		res.stored += int64(size)
		res.uploads++
		return UploadBytes(fmt.Sprintf("検査結果-%d.pdf", seed), SamplePDF(size, seed))
	}
	writeVersion := func(tx *Tx, r record) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("bench_records"))
		if err != nil {
			return err
		}
		v, _ := json.Marshal(map[string]any{"owner": r.owner, "attachments": r.ids, "title": "検査結果", "body": "所見なし"})
		seq, _ := bk.NextSequence()
		if err := bk.Put(itob(seq), v); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: "H000001", Action: "bench.record", Object: r.owner})
	}
	var spent time.Duration
	newUploads := uploads
	for newUploads > 0 || revisions > 0 {
		revise := revisions > 0 && len(records) > 0 && (newUploads == 0 || rng.IntN(7) < 2)
		var start time.Time // once the files are made, before the transaction
		if revise {
			revisions--
			i := rng.IntN(len(records))
			r := records[i]
			var kept []string
			for _, id := range r.ids {
				if rng.IntN(3) > 0 {
					kept = append(kept, id)
				}
			}
			letter := rng.IntN(4) == 0 && len(kept) > 0
			u := newFile()
			start = time.Now()
			err = db.Update(func(tx *Tx) error {
				a, err := tx.PutAttachment(r.owner, u)
				if err != nil {
					return err
				}
				r.ids = append(kept, a.ID)
				if letter {
					if _, err := tx.CarryOverAttachment(r.owner, kept[0], fmt.Sprintf("bench:L%06d", i)); err != nil {
						return err
					}
				}
				return writeVersion(tx, r)
			})
			records[i] = r
		} else {
			r := record{owner: fmt.Sprintf("bench:R%06d", len(records)+1)}
			n := min(newUploads, 1+rng.IntN(3))
			newUploads -= n
			var us []Upload
			for range n {
				us = append(us, newFile())
			}
			start = time.Now()
			err = db.Update(func(tx *Tx) error {
				for _, u := range us {
					a, err := tx.PutAttachment(r.owner, u)
					if err != nil {
						return err
					}
					r.ids = append(r.ids, a.ID)
				}
				return writeVersion(tx, r)
			})
			records = append(records, r)
		}
		spent += time.Since(start)
		if err != nil {
			tb.Fatal(err)
		}
	}
	res.perUpload = spent / time.Duration(res.uploads)
	res.file = db.FileSize()
	res.freePages = db.Stats().FreePageN
	stats := db.Stats()
	res.written = stats.TxStats.GetPageAlloc()
	checkStart := time.Now()
	report, err := db.Check(CheckOptions{})
	res.check = time.Since(checkStart)
	if err != nil || !report.OK() {
		tb.Fatalf("check after the workload: %v %v", err, report.Problems)
	}
	res.attachments += report.Attachments.Attachments
	if report.Attachments.Bytes != res.stored {
		tb.Fatalf("check read %d bytes of content, %d were stored", report.Attachments.Bytes, res.stored)
	}
	return res
}

// BenchmarkCheckUpload: the content check of files near the size limit
// (random pixels, so the images are as large as their dimensions allow).
//
//	go test ./store -run '^$' -bench CheckUpload -benchtime 20x
func BenchmarkCheckUpload(b *testing.B) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"png", SamplePNG(1600, 1600, 1)},
		{"jpeg", SampleJPEG(3000, 3000, 1)},
		{"pdf", SamplePDF(MaxAttachmentSize, 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			u := UploadBytes("x", c.data)
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if _, err := CheckUpload(u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
