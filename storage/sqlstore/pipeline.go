package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/crmkit/crm"
)

// pipelineColumns are the columns of a pipeline as scanPipeline reads
// them, from the table aliased p.
const pipelineColumns = `p.id, p.name, p.created_at, p.created_by, p.updated_at, p.updated_by, p.version`

// scanPipeline reads one row of pipelineColumns; the stages and lost
// reasons are loaded by loadPipelineLists.
func (s *Store) scanPipeline(r interface{ Scan(...any) error }) (*crm.Pipeline, error) {
	p := new(crm.Pipeline)
	err := r.Scan(&p.ID, &p.Name, s.timeDest(&p.CreatedAt), &p.CreatedBy, s.timeDest(&p.UpdatedAt), &p.UpdatedBy, &p.Version)
	if err != nil {
		return nil, err
	}
	return p, nil
}

const insertPipeline = `INSERT INTO pipelines (tenant_id, id, name, created_at, created_by, updated_at, updated_by, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// CreatePipeline stores p with its stages and lost reasons, in one
// transaction. It fails with an error matching [crm.ErrDuplicate] if a
// pipeline with p.ID exists, and with [crm.ErrInvalid] if p is nil or has
// no ID.
func (s *Store) CreatePipeline(ctx context.Context, p *crm.Pipeline) error {
	const op = "create pipeline"
	if p == nil || p.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+p.ID, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		_, err := s.exec(ctx, q, insertPipeline, s.tenant(ctx), p.ID, p.Name,
			s.timeArg(p.CreatedAt), p.CreatedBy, s.timeArg(p.UpdatedAt), p.UpdatedBy, p.Version)
		if err != nil {
			return err
		}
		return s.insertPipelineLists(ctx, q, p)
	})
	if err != nil {
		return s.fail(ctx, op+" "+p.ID, err)
	}
	return nil
}

const findPipelineByID = `SELECT ` + pipelineColumns + ` FROM pipelines p WHERE p.id = ? AND p.tenant_id = ?`

// FindPipelineByID returns the pipeline id with its stages and lost
// reasons, read in one transaction, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindPipelineByID(ctx context.Context, id string) (*crm.Pipeline, error) {
	load := func(ctx context.Context, q dbtx, ps []*crm.Pipeline) error {
		return s.loadPipelineLists(ctx, q, ps, false)
	}
	return findWithLists(ctx, s, "find pipeline "+id, findPipelineByID, id, s.scanPipeline, load)
}

const findPipelines = `SELECT ` + pipelineColumns + ` FROM pipelines p WHERE p.tenant_id = ? ORDER BY p.id`

// FindPipelines returns every pipeline, with its stages and lost reasons,
// in ascending ID order, read in one transaction with two queries: the
// pipelines, then the stages and lost reasons of all of them. A store
// holds few pipelines, so there is no paging.
func (s *Store) FindPipelines(ctx context.Context) ([]*crm.Pipeline, error) {
	const op = "find pipelines"
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	var ps []*crm.Pipeline
	err := s.read(ctx, func(q dbtx) error {
		var err error
		if ps, err = collectRows(ctx, s, q, findPipelines, []any{s.tenant(ctx)}, s.scanPipeline); err != nil {
			return err
		}
		return s.loadPipelineLists(ctx, q, ps, true)
	})
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return ps, nil
}

const (
	updatePipeline = `UPDATE pipelines SET
	name = ?, created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	pipelineVersion = `SELECT version FROM pipelines WHERE id = ? AND tenant_id = ?`
)

// UpdatePipeline replaces the stored pipeline p.ID with p, its stages and
// lost reasons included, under the version rule of [Store.UpdateCustomer]:
// it fails with an error matching [crm.ErrConflict] if the versions
// differ and [crm.ErrNotFound] if there is no such pipeline, changing
// nothing (p.Version included). The stages and lost reasons are rewritten
// (deleted and inserted again) in the transaction of the update.
func (s *Store) UpdatePipeline(ctx context.Context, p *crm.Pipeline) error {
	const op = "update pipeline"
	if p == nil {
		return s.fail(ctx, op, fmt.Errorf("nil pipeline: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+p.ID, err)
	}
	args := []any{p.Name, s.timeArg(p.CreatedAt), p.CreatedBy, s.timeArg(p.UpdatedAt), p.UpdatedBy}
	err := s.updateVersioned(ctx, updatePipeline, pipelineVersion, p.ID, p.Version, args, func(q dbtx) error {
		if _, err := s.exec(ctx, q, deletePipelineStages, p.ID, s.tenant(ctx)); err != nil {
			return err
		}
		if _, err := s.exec(ctx, q, deletePipelineLostReasons, p.ID, s.tenant(ctx)); err != nil {
			return err
		}
		return s.insertPipelineLists(ctx, q, p)
	})
	if err != nil {
		return s.fail(ctx, op+" "+p.ID, err)
	}
	p.Version++
	return nil
}

const (
	insertPipelineStages      = `INSERT INTO pipeline_stages (tenant_id, pipeline_id, position, stage_key, name, probability, category, requires) VALUES `
	insertPipelineLostReasons = `INSERT INTO pipeline_lost_reasons (tenant_id, pipeline_id, position, reason) VALUES `
	deletePipelineStages      = `DELETE FROM pipeline_stages WHERE pipeline_id = ? AND tenant_id = ?`
	deletePipelineLostReasons = `DELETE FROM pipeline_lost_reasons WHERE pipeline_id = ? AND tenant_id = ?`
)

// insertPipelineLists stores the stages and lost reasons of p, which has
// none stored.
func (s *Store) insertPipelineLists(ctx context.Context, q dbtx, p *crm.Pipeline) error {
	stages := make([]any, 0, 7*len(p.Stages))
	for i, st := range p.Stages {
		stages = append(stages, p.ID, i, st.Key, st.Name, st.Probability, string(st.Category), requiresText(st.Requires))
	}
	if err := s.insertRows(ctx, q, insertPipelineStages, 7, stages); err != nil {
		return err
	}
	reasons := make([]any, 0, 3*len(p.LostReasons))
	for i, r := range p.LostReasons {
		reasons = append(reasons, p.ID, i, r)
	}
	return s.insertRows(ctx, q, insertPipelineLostReasons, 3, reasons)
}

// requiresText returns the requires column of a stage: the field names
// separated by single spaces, "" for none. Field names have no spaces.
func requiresText(fields []crm.OpportunityField) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(f))
	}
	return b.String()
}

// parseRequires reads the requires column of a stage (requiresText).
func parseRequires(text string) []crm.OpportunityField {
	if text == "" {
		return nil
	}
	names := strings.Split(text, " ")
	fields := make([]crm.OpportunityField, len(names))
	for i, n := range names {
		fields[i] = crm.OpportunityField(n)
	}
	return fields
}

// The parts of the query loadPipelineLists runs: the stages and lost
// reasons of pipelines in one result, told apart by the second column
// (0, 1) and ordered by pipeline and position; each part is narrowed to
// the tenant by pipelinesOfTenant and to one pipeline by pipelineOf.
const (
	selectPipelineStages      = `SELECT pipeline_id, 0, position, stage_key, name, probability, category, requires FROM pipeline_stages`
	selectPipelineLostReasons = ` UNION ALL SELECT pipeline_id, 1, position, reason, '', 0, '', '' FROM pipeline_lost_reasons`
	pipelinesOfTenant         = ` WHERE tenant_id = ?`
	pipelineOf                = ` WHERE tenant_id = ? AND pipeline_id = ?`
)

// loadPipelineLists reads the stages and lost reasons of ps, in the order
// stored, with one query: those of every pipeline if all is set (ps is
// then every pipeline, read in the same transaction), otherwise those of
// ps[0], the only pipeline of ps.
func (s *Store) loadPipelineLists(ctx context.Context, q dbtx, ps []*crm.Pipeline, all bool) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[string]*crm.Pipeline, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	tenant := s.tenant(ctx)
	query := selectPipelineStages + pipelinesOfTenant + selectPipelineLostReasons + pipelinesOfTenant + orderLists
	args := []any{tenant, tenant}
	if !all {
		query = selectPipelineStages + pipelineOf + selectPipelineLostReasons + pipelineOf + orderLists
		args = []any{tenant, ps[0].ID, tenant, ps[0].ID}
	}
	return s.queryEach(ctx, q, query, args, func(rows *sql.Rows) error {
		var (
			id, key, name, category, requires string
			list, position, probability       int64
		)
		if err := rows.Scan(&id, &list, &position, &key, &name, &probability, &category, &requires); err != nil {
			return err
		}
		p := byID[id]
		if p == nil {
			return nil
		}
		if list == 0 {
			p.Stages = append(p.Stages, crm.Stage{Key: key, Name: name, Probability: int(probability),
				Category: crm.ForecastCategory(category), Requires: parseRequires(requires)})
		} else {
			p.LostReasons = append(p.LostReasons, key)
		}
		return nil
	})
}
