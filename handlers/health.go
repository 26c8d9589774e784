package handlers

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// processStart is when the server process started.
var processStart = time.Now()

// healthReport is the operator's view of the process: enough to see a leak
// (goroutines, memory) or a stuck backup without shell access.
type healthReport struct {
	Version        string `json:"version"`
	UptimeSeconds  int64  `json:"uptime_seconds"`
	Goroutines     int    `json:"goroutines"`
	Threads        int    `json:"threads"`
	RSSBytes       int64  `json:"rss_bytes"`
	HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
	HeapSysBytes   uint64 `json:"heap_sys_bytes"`
	NumGC          uint32 `json:"num_gc"`
	DBSizeBytes    int64  `json:"db_size_bytes"`
	DBOpenReadTx   int    `json:"db_open_read_tx"`
	BackupRunning  string `json:"backup_running"`
}

// showHealth answers the process state as JSON (operators only).
func (s *Server) showHealth(c *fiber.Ctx) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, threads := procStatus()
	return c.JSON(healthReport{
		Version:        s.cfg.Version,
		UptimeSeconds:  int64(time.Since(processStart).Seconds()),
		Goroutines:     runtime.NumGoroutine(),
		Threads:        threads,
		RSSBytes:       rss,
		HeapAllocBytes: ms.HeapAlloc,
		HeapSysBytes:   ms.HeapSys,
		NumGC:          ms.NumGC,
		DBSizeBytes:    s.db.FileSize(),
		DBOpenReadTx:   s.db.Stats().OpenTxN,
		BackupRunning:  s.cfg.Backups.Running(),
	})
}

// procStatus reads the resident set size and thread count from
// /proc/self/status (Linux; zero elsewhere).
func procStatus() (rss int64, threads int) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch key {
		case "VmRSS":
			rss = n * 1024
		case "Threads":
			threads = int(n)
		}
	}
	return rss, threads
}
