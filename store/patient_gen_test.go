package store

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// The PRS data set generator, for benchmarks and load tests:
//
//	go test ./store -run '^TestGeneratePRSDataset$' -v -prs.gen=100000 -prs.db=/tmp/prs-100k.db
//
// makes (or adds to) a database with one facility and one member whose
// passwords are PRSDatasetPassword and PRSDatasetFacilityPassword, and n
// synthetic patients registered by them. Run again on the same file to add
// more (numbering continues). It prints the facility, member, time taken
// and file size.
var (
	flagPRSGen  = flag.Int("prs.gen", 0, "generate this many PRS patients (TestGeneratePRSDataset)")
	flagPRSDB   = flag.String("prs.db", "", "database file for -prs.gen (created if missing)")
	flagPRSSeed = flag.Int64("prs.seed", 1, "seed of the generated names")
)

func TestGeneratePRSDataset(t *testing.T) {
	if *flagPRSGen <= 0 {
		t.Skip("use -prs.gen=N -prs.db=FILE to generate a PRS data set")
	}
	path := *flagPRSDB
	if path == "" {
		t.Fatal("-prs.db is required")
	}
	db, m, f, err := EnsurePRSDataset(path, *flagPRSGen, *flagPRSSeed, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, _ := db.CountPatients(f.OID)
	fi, _ := os.Stat(path)
	fmt.Printf("data set %s: facility %s (PW %s), member %s (PW %s), %d patients, %.1f MiB\n",
		path, f.OID, PRSDatasetFacilityPassword, m.ID, PRSDatasetPassword, n, float64(fi.Size())/(1<<20))
}
