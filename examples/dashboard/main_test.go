package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/report"
	"github.com/crmkit/crm/storage/memory"
)

// charts are the figures the dashboard of March 2026 must show.
var charts = []string{"funnel", "forecast", "nps", "cohorts", "rfm", "tiers", "scorecards"}

func TestDashboardPage(t *testing.T) {
	client, err := Seed(t.Context(), memory.New())
	require.NoError(t, err)
	srv := httptest.NewServer(report.Handler(client, LoadOptions()))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/?period=2026-03&lang=de")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	page := string(body)
	for _, id := range charts {
		assert.Contains(t, page, `id="`+id+`"`, "the page has the %s chart", id)
	}
	assert.Equal(t, len(charts), strings.Count(page, "<svg"), "one SVG per chart")
	assert.NotContains(t, page, "<script")
	assert.Contains(t, page, `lang=de-DE&amp;period=2026-02`)
	assert.Contains(t, page, "Mär 2026")

	res, err = http.Get(srv.URL + "/?period=March")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

// TestDashboardInBrowser loads the dashboard in headless Chromium
// through ChromeDriver, checks that every chart was laid out with a size
// and drew marks, and saves a screenshot, crm-dashboard.png, in
// $CRM_SCREENSHOT_DIR (the system's temporary folder if unset). It needs chromium and chromedriver; without
// them it skips, unless CRM_BROWSER_TEST=1 asks for it (as .ci/run does).
func TestDashboardInBrowser(t *testing.T) {
	chromium, err1 := exec.LookPath("chromium")
	driver, err2 := exec.LookPath("chromedriver")
	if err := errors.Join(err1, err2); err != nil {
		if os.Getenv("CRM_BROWSER_TEST") == "1" {
			t.Fatalf("CRM_BROWSER_TEST=1 but: %v", err)
		}
		t.Skip("needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver); .ci/run installs them")
	}
	client, err := Seed(t.Context(), memory.New())
	require.NoError(t, err)
	srv := httptest.NewServer(report.Handler(client, LoadOptions()))
	defer srv.Close()

	wd := startDriver(t, driver)
	session := wd.newSession(t, chromium)
	defer wd.call(t, http.MethodDelete, "/session/"+session, nil)
	base := "/session/" + session
	wd.call(t, http.MethodPost, base+"/window/rect", map[string]any{"width": 1400, "height": 2200})
	wd.call(t, http.MethodPost, base+"/url", map[string]any{"url": srv.URL + "/?period=2026-03"})

	// Measure each chart as the browser laid it out.
	var figures []struct {
		ID    string  `json:"id"`
		W     float64 `json:"w"`
		H     float64 `json:"h"`
		Marks int     `json:"marks"`
		Text  string  `json:"text"`
	}
	script := `return Array.from(document.querySelectorAll("figure.chart")).map(f => {
		const svg = f.querySelector("svg"); const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
		return {id: f.id, w: r.width, h: r.height,
			marks: svg ? svg.querySelectorAll("rect, path, circle, line, polyline, polygon").length : 0,
			text: svg ? svg.textContent.trim().slice(0, 80) : ""};
	});`
	raw := wd.call(t, http.MethodPost, base+"/execute/sync", map[string]any{"script": script, "args": []any{}})
	require.NoError(t, json.Unmarshal(raw, &figures))
	var ids []string
	for _, f := range figures {
		ids = append(ids, f.ID)
		assert.Greater(t, f.W, 100.0, "%s is laid out with a width", f.ID)
		assert.Greater(t, f.H, 50.0, "%s is laid out with a height", f.ID)
		assert.Greater(t, f.Marks, 3, "%s drew marks", f.ID)
		assert.NotEmpty(t, f.Text, "%s has text", f.ID)
	}
	assert.Equal(t, charts, ids)

	var shot string
	require.NoError(t, json.Unmarshal(wd.call(t, http.MethodGet, base+"/screenshot", nil), &shot))
	png, err := base64.StdEncoding.DecodeString(shot)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "a PNG screenshot")
	dir := os.Getenv("CRM_SCREENSHOT_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "crm-dashboard.png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// webDriver speaks the W3C WebDriver protocol to a ChromeDriver.
type webDriver struct{ url string }

// startDriver starts chromedriver on a free port and waits until it
// answers.
func startDriver(t *testing.T, path string) *webDriver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, fmt.Sprintf("--port=%d", port))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	wd := &webDriver{url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	for deadline := time.Now().Add(20 * time.Second); ; {
		res, err := http.Get(wd.url + "/status")
		if err == nil {
			res.Body.Close()
			return wd
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newSession starts a headless Chromium and returns its session ID.
func (wd *webDriver) newSession(t *testing.T, chromium string) string {
	t.Helper()
	profile := t.TempDir()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": []string{
			"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
		}},
	}}}
	var s struct {
		SessionID string `json:"sessionId"`
	}
	require.NoError(t, json.Unmarshal(wd.call(t, http.MethodPost, "/session", caps), &s))
	require.NotEmpty(t, s.SessionID)
	return s.SessionID
}

// call sends a WebDriver command and returns its value.
func (wd *webDriver) call(t *testing.T, method, path string, body any) json.RawMessage {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, wd.url+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var out struct {
		Value json.RawMessage `json:"value"`
	}
	raw, _ := io.ReadAll(res.Body)
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	require.Equal(t, http.StatusOK, res.StatusCode, "%s %s: %s", method, path, raw)
	return out.Value
}
