package store

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// realDrugList is the file name of the ministry's list in shared/data.
const realDrugList = "mhlw-yakka-20250716.csv"

// sharedDataFile finds a reference data file: $HOTLINE_SHARED_DATA, or
// shared/data beside the checkout (walking up from the test's directory).
// Without it the test skips, saying why, unless CI is set: then it fails.
func sharedDataFile(tb testing.TB, name string) string {
	tb.Helper()
	var tried []string
	if dir := os.Getenv("HOTLINE_SHARED_DATA"); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		tried = append(tried, p)
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "data", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		tried = append(tried, p)
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("reference data %s not found (tried %v); CI needs it", name, tried)
	}
	tb.Skipf("reference data %s not found (set HOTLINE_SHARED_DATA or put shared/data beside the checkout)", name)
	return ""
}

// realDrugListBytes reads the real list.
func realDrugListBytes(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(sharedDataFile(tb, realDrugList))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// importDrugBytes imports files given as name → content, in order.
func importDrugBytes(tb testing.TB, db *DB, files ...namedBytes) (DrugImportSummary, error) {
	tb.Helper()
	var in []DrugFile
	for _, f := range files {
		in = append(in, DrugFile{Name: f.name, R: bytes.NewReader(f.data)})
	}
	return db.ImportDrugs(in, DrugImportOptions{Actor: "admin", Remote: "127.0.0.1"})
}

type namedBytes struct {
	name string
	data []byte
}

// importRealList imports the real list into db and fails the test on error.
func importRealList(tb testing.TB, db *DB) DrugImportSummary {
	tb.Helper()
	sum, err := importDrugBytes(tb, db, namedBytes{realDrugList, realDrugListBytes(tb)})
	if err != nil {
		tb.Fatalf("import: %v", err)
	}
	return sum
}

// realListXLSX writes the real list as the ministry's xlsx would hold it:
// title rows, then the header, prices as numbers, with excelize's
// StreamWriter.
func realListXLSX(tb testing.TB) []byte {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(realDrugListBytes(tb))).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return xlsxBook(tb, "薬価基準", []string{"使用薬剤の薬価（薬価基準）に収載されている品目", "令和7年7月16日適用"}, rows)
}
