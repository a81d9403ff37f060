package memory_test

import (
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) crm.Store {
		s := memory.New()
		t.Cleanup(func() { s.Close() })
		return s
	})
}
