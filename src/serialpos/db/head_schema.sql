-- serialpos head schema at revision 0043_transferscans
-- Made by `python -m serialpos.db.head_schema` from the migrations; never edit it by hand.
-- A brand-new SQLite database is created from it in one transaction (db/migrate.py).
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE app_user (
	id INTEGER NOT NULL, 
	name VARCHAR(32) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	pin_hash VARCHAR(200) NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, name_key VARCHAR(32), 
	PRIMARY KEY (id), 
	CONSTRAINT ck_user_role CHECK (role IN ('cashier', 'stockroom', 'manager', 'admin')), 
	UNIQUE (name)
);
CREATE TABLE chain_setting (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(16) NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE product (
	id INTEGER NOT NULL, 
	sku VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	price NUMERIC(12, 2) NOT NULL, 
	serial_mode VARCHAR(16) NOT NULL, 
	serial_format VARCHAR(200), 
	tax_rate NUMERIC(6, 3), 
	warranty_months INTEGER, 
	bin VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, package_type VARCHAR(16) CONSTRAINT ck_product_package_type CHECK (package_type IS NULL OR package_type IN ('consolidated', 'exploded')), prices_include_tax BOOLEAN, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_product_serial_mode CHECK (serial_mode IN ('required', 'optional', 'disabled')), 
	UNIQUE (sku)
);
CREATE TABLE store (
	id INTEGER NOT NULL, 
	code VARCHAR(16) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (code)
);
CREATE TABLE product_barcode (
	id INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	gtin VARCHAR(14) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(product_id) REFERENCES product (id), 
	UNIQUE (gtin)
);
CREATE INDEX ix_product_barcode_product_id ON product_barcode (product_id);
CREATE TABLE serial_unit (
	id INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	serial VARCHAR(64) NOT NULL, 
	state VARCHAR(24) NOT NULL, 
	store_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, reserved_line_id INTEGER, shared_by VARCHAR(64), 
	PRIMARY KEY (id), 
	CONSTRAINT ck_serial_unit_state CHECK ((state = 'expected' OR state = 'in_stock' OR state = 'reserved' OR state = 'sold' OR state = 'in_transit' OR state = 'returned_to_vendor' OR state = 'written_off')), 
	FOREIGN KEY(product_id) REFERENCES product (id), 
	FOREIGN KEY(store_id) REFERENCES store (id), 
	CONSTRAINT uq_serial_unit_product_serial UNIQUE (product_id, serial)
);
CREATE INDEX ix_serial_unit_serial ON serial_unit (serial);
CREATE INDEX ix_serial_unit_store_product_state ON serial_unit (store_id, product_id, state);
CREATE TABLE stock_level (
	product_id INTEGER NOT NULL, 
	store_id INTEGER NOT NULL, 
	quantity INTEGER NOT NULL, 
	PRIMARY KEY (product_id, store_id), 
	FOREIGN KEY(product_id) REFERENCES product (id), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TABLE store_setting (
	store_id INTEGER NOT NULL, 
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(16) NOT NULL, 
	PRIMARY KEY (store_id, "key"), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TABLE ledger_event (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	action VARCHAR(24) NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	store_id INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	unit_id INTEGER, 
	serial VARCHAR(64), 
	from_state VARCHAR(24), 
	to_state VARCHAR(24), 
	quantity INTEGER NOT NULL, 
	document_type VARCHAR(24), 
	document_id VARCHAR(64), 
	document_line VARCHAR(32), 
	reason VARCHAR(200), chain_id INTEGER, chain_seq BIGINT, hash VARCHAR(64), 
	PRIMARY KEY (id), 
	FOREIGN KEY(product_id) REFERENCES product (id), 
	FOREIGN KEY(store_id) REFERENCES store (id), 
	FOREIGN KEY(unit_id) REFERENCES serial_unit (id)
);
CREATE INDEX ix_ledger_event_document ON ledger_event (document_type, document_id);
CREATE INDEX ix_ledger_event_unit ON ledger_event (unit_id);
CREATE TRIGGER ledger_event_no_delete BEFORE DELETE ON ledger_event BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TABLE product_component (
	package_id INTEGER NOT NULL, 
	component_id INTEGER NOT NULL, 
	quantity INTEGER NOT NULL, 
	PRIMARY KEY (package_id, component_id), 
	CONSTRAINT ck_product_component_quantity CHECK (quantity > 0), 
	CONSTRAINT ck_product_component_not_self CHECK (package_id <> component_id), 
	FOREIGN KEY(package_id) REFERENCES product (id), 
	FOREIGN KEY(component_id) REFERENCES product (id)
);
CREATE INDEX ix_product_component_component_id ON product_component (component_id);
CREATE TABLE sale_order (
	id INTEGER NOT NULL, 
	number VARCHAR(40) NOT NULL, 
	store_id INTEGER NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	delivery VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	customer_name VARCHAR(100), 
	customer_phone VARCHAR(40), 
	customer_address VARCHAR(200), 
	created_by VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, discount NUMERIC(12, 2), discount_percent NUMERIC(6, 3), discount_reason VARCHAR(200), discount_by VARCHAR(32), discount_approved_by VARCHAR(32), discount_at DATETIME, exchange_of VARCHAR(48), customer_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_sale_order_type CHECK ((type = 'sale' OR type = 'special_order' OR type = 'layby')), 
	CONSTRAINT ck_sale_order_delivery CHECK ((delivery = 'cash_and_carry' OR delivery = 'pickup' OR delivery = 'delivery')), 
	CONSTRAINT ck_sale_order_status CHECK ((status = 'open' OR status = 'parked' OR status = 'fulfilled' OR status = 'voided')), 
	UNIQUE (number), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE INDEX ix_sale_order_store_status ON sale_order (store_id, status);
CREATE TABLE invoice (
	id INTEGER NOT NULL, 
	number VARCHAR(48) NOT NULL, 
	store_id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	refers_to VARCHAR(200), 
	issued_at DATETIME NOT NULL, 
	net NUMERIC(12, 2) NOT NULL, 
	tax NUMERIC(12, 2) NOT NULL, 
	total NUMERIC(12, 2) NOT NULL, 
	change_due NUMERIC(12, 2) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_invoice_kind CHECK (kind IN ('Invoice', 'Refund')), 
	UNIQUE (number), 
	FOREIGN KEY(store_id) REFERENCES store (id), 
	FOREIGN KEY(order_id) REFERENCES sale_order (id)
);
CREATE INDEX ix_invoice_order_id ON invoice (order_id);
CREATE TABLE order_line (
	id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	sku VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	quantity INTEGER NOT NULL, 
	unit_price NUMERIC(12, 2) NOT NULL, 
	tax_rate NUMERIC(6, 3) NOT NULL, 
	serial VARCHAR(64), 
	status VARCHAR(16) NOT NULL, 
	package_line INTEGER, 
	invoice_id INTEGER, 
	refund_invoice_id INTEGER, tax_included BOOLEAN DEFAULT 0 NOT NULL, discount NUMERIC(12, 2), discount_percent NUMERIC(6, 3), discount_reason VARCHAR(200), discount_by VARCHAR(32), discount_approved_by VARCHAR(32), discount_at DATETIME, list_price NUMERIC(12, 2), order_discount NUMERIC(12, 2), order_discount_percent NUMERIC(6, 3), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_order_line_number UNIQUE (order_id, number), 
	CONSTRAINT ck_order_line_status CHECK ((status = 'open' OR status = 'fulfilled' OR status = 'returned' OR status = 'removed')), 
	FOREIGN KEY(order_id) REFERENCES sale_order (id), 
	FOREIGN KEY(product_id) REFERENCES product (id), 
	FOREIGN KEY(invoice_id) REFERENCES invoice (id), 
	FOREIGN KEY(refund_invoice_id) REFERENCES invoice (id)
);
CREATE INDEX ix_order_line_serial ON order_line (serial);
CREATE TABLE order_payment (
	id INTEGER NOT NULL, 
	order_id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	method VARCHAR(16) NOT NULL, 
	amount NUMERIC(12, 2) NOT NULL, 
	at DATETIME NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	invoice_id INTEGER, shift_id INTEGER REFERENCES shift (id), 
	PRIMARY KEY (id), 
	CONSTRAINT ck_order_payment_kind CHECK ((kind = 'payment' OR kind = 'change' OR kind = 'refund')), 
	FOREIGN KEY(order_id) REFERENCES sale_order (id), 
	FOREIGN KEY(invoice_id) REFERENCES invoice (id)
);
CREATE INDEX ix_order_payment_order_id ON order_payment (order_id);
CREATE TABLE invoice_line (
	id INTEGER NOT NULL, 
	invoice_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	order_line_id INTEGER NOT NULL, 
	sku VARCHAR(64) NOT NULL, 
	description VARCHAR(200) NOT NULL, 
	quantity INTEGER NOT NULL, 
	unit_price NUMERIC(12, 2) NOT NULL, 
	tax_rate NUMERIC(6, 3) NOT NULL, 
	net NUMERIC(12, 2) NOT NULL, 
	tax NUMERIC(12, 2) NOT NULL, 
	total NUMERIC(12, 2) NOT NULL, 
	serial VARCHAR(64), 
	PRIMARY KEY (id), 
	FOREIGN KEY(invoice_id) REFERENCES invoice (id), 
	FOREIGN KEY(order_line_id) REFERENCES order_line (id)
);
CREATE INDEX ix_invoice_line_invoice_id ON invoice_line (invoice_id);
CREATE TABLE document_counter (
	store_id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	value INTEGER NOT NULL, 
	PRIMARY KEY (store_id, kind), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TABLE event_outbox (
	id INTEGER NOT NULL, 
	event_type VARCHAR(24) NOT NULL, 
	document_id VARCHAR(64) NOT NULL, 
	store VARCHAR(16) NOT NULL, 
	completed_at DATETIME NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	rows TEXT NOT NULL, 
	written_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_event_outbox_document UNIQUE (event_type, document_id)
);
CREATE INDEX ix_event_outbox_owed ON event_outbox (written_at);
CREATE INDEX ix_event_outbox_document_id ON event_outbox (document_id);
CREATE TABLE stock_document (
	id INTEGER NOT NULL, 
	number VARCHAR(64) NOT NULL, 
	kind VARCHAR(24) NOT NULL, 
	store_id INTEGER NOT NULL, 
	vendor VARCHAR(100), 
	reference VARCHAR(64), 
	reason VARCHAR(200), 
	created_by VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (number), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TABLE asn (
	id INTEGER NOT NULL, 
	asn VARCHAR(64) NOT NULL, 
	vendor VARCHAR(100) NOT NULL, 
	store_id INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	received_at DATETIME, 
	received_by VARCHAR(32), 
	discrepancies TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_asn_status CHECK (status IN ('open', 'received')), 
	UNIQUE (asn), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE INDEX ix_asn_store_status ON asn (store_id, status);
CREATE TABLE asn_line (
	id INTEGER NOT NULL, 
	asn_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	sku VARCHAR(64) NOT NULL, 
	quantity INTEGER NOT NULL, 
	listed INTEGER NOT NULL, 
	case_pack VARCHAR(64), 
	received INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_asn_line_number UNIQUE (asn_id, number), 
	CONSTRAINT ck_asn_line_quantity CHECK (quantity > 0), 
	FOREIGN KEY(asn_id) REFERENCES asn (id), 
	FOREIGN KEY(product_id) REFERENCES product (id)
);
CREATE TABLE asn_scan (
	id INTEGER NOT NULL, 
	asn_id INTEGER NOT NULL, 
	sku VARCHAR(64) NOT NULL, 
	serial VARCHAR(64), 
	quantity INTEGER NOT NULL, 
	scanned_at DATETIME NOT NULL, 
	user_name VARCHAR(32) NOT NULL, case_pack VARCHAR(64), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_asn_scan_serial UNIQUE (asn_id, sku, serial), 
	FOREIGN KEY(asn_id) REFERENCES asn (id)
);
CREATE INDEX ix_asn_scan_asn ON asn_scan (asn_id, id);
CREATE TABLE transfer (
	id INTEGER NOT NULL, 
	number VARCHAR(64) NOT NULL, 
	from_store_id INTEGER NOT NULL, 
	to_store_id INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	shipped_by VARCHAR(32), 
	shipped_at DATETIME, 
	received_by VARCHAR(32), 
	received_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_transfer_status CHECK (status IN ('open', 'shipped', 'received', 'refused')), 
	CONSTRAINT ck_transfer_two_stores CHECK (from_store_id <> to_store_id), 
	UNIQUE (number), 
	FOREIGN KEY(from_store_id) REFERENCES store (id), 
	FOREIGN KEY(to_store_id) REFERENCES store (id)
);
CREATE INDEX ix_transfer_to_status ON transfer (to_store_id, status);
CREATE INDEX ix_transfer_from_status ON transfer (from_store_id, status);
CREATE TABLE transfer_line (
	transfer_id INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	quantity INTEGER NOT NULL, 
	received INTEGER NOT NULL, 
	PRIMARY KEY (transfer_id, product_id), 
	CONSTRAINT ck_transfer_line_counts CHECK (quantity >= 0 AND received >= 0), 
	FOREIGN KEY(transfer_id) REFERENCES transfer (id), 
	FOREIGN KEY(product_id) REFERENCES product (id)
);
CREATE TABLE transfer_unit (
	id INTEGER NOT NULL, 
	transfer_id INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	serial VARCHAR(64) NOT NULL, 
	received BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_transfer_unit UNIQUE (transfer_id, product_id, serial), 
	FOREIGN KEY(transfer_id) REFERENCES transfer (id), 
	FOREIGN KEY(product_id) REFERENCES product (id)
);
CREATE INDEX ix_transfer_unit_product_serial ON transfer_unit (product_id, serial);
CREATE TABLE stock_count (
	id INTEGER NOT NULL, 
	number VARCHAR(64) NOT NULL, 
	store_id INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	products TEXT, 
	opened_by VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	opened_at DATETIME NOT NULL, 
	approved_by VARCHAR(32), 
	approved_at DATETIME, 
	reconciliation TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_stock_count_status CHECK (status IN ('open', 'approved')), 
	UNIQUE (number), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE INDEX ix_stock_count_store_status ON stock_count (store_id, status);
CREATE TABLE count_batch (
	id INTEGER NOT NULL, 
	count_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	counter VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	opened_by VARCHAR(32) NOT NULL, 
	opened_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_count_batch_number UNIQUE (count_id, number), 
	CONSTRAINT ck_count_batch_status CHECK (status IN ('open', 'closed')), 
	FOREIGN KEY(count_id) REFERENCES stock_count (id)
);
CREATE TABLE count_scan (
	id INTEGER NOT NULL, 
	count_id INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	product_id INTEGER NOT NULL, 
	serial VARCHAR(64), 
	quantity INTEGER NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	scanned_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_count_scan_serial UNIQUE (batch_id, product_id, serial), 
	CONSTRAINT ck_count_scan_quantity CHECK (quantity <> 0), 
	FOREIGN KEY(count_id) REFERENCES stock_count (id), 
	FOREIGN KEY(batch_id) REFERENCES count_batch (id), 
	FOREIGN KEY(product_id) REFERENCES product (id)
);
CREATE INDEX ix_count_scan_count ON count_scan (count_id, product_id, serial, batch_id);
CREATE INDEX ix_invoice_store_issued_at ON invoice (store_id, issued_at);
CREATE INDEX ix_invoice_line_serial ON invoice_line (serial);
CREATE INDEX ix_invoice_line_sku ON invoice_line (sku);
CREATE TABLE apply_outcome (
	id VARCHAR(128) NOT NULL, 
	body_sha256 VARCHAR(64) NOT NULL, 
	op VARCHAR(32) NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	applied_at DATETIME NOT NULL, 
	outcome TEXT NOT NULL, journal_seq BIGINT, 
	PRIMARY KEY (id)
);
CREATE TABLE api_token (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	user_id INTEGER NOT NULL, 
	secret_sha256 VARCHAR(64) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (name), 
	FOREIGN KEY(user_id) REFERENCES app_user (id), 
	UNIQUE (secret_sha256)
);
CREATE TABLE user_audit (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(32) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	user_name VARCHAR(64) NOT NULL, 
	action VARCHAR(24) NOT NULL, 
	detail VARCHAR(200), 
	PRIMARY KEY (id)
);
CREATE INDEX ix_user_audit_user_name ON user_audit (user_name, at);
CREATE TABLE user_store (
	user_id INTEGER NOT NULL, 
	store_id INTEGER NOT NULL, 
	PRIMARY KEY (user_id, store_id), 
	FOREIGN KEY(user_id) REFERENCES app_user (id), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TABLE login_lock (
	name_key VARCHAR(64) NOT NULL, 
	failures INTEGER NOT NULL, 
	window_start DATETIME NOT NULL, 
	locked_until DATETIME, 
	PRIMARY KEY (name_key)
);
CREATE UNIQUE INDEX uq_app_user_name_key ON app_user (name_key);
CREATE TABLE serialpos_install (
	"key" VARCHAR(40) NOT NULL, 
	value VARCHAR(200) NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE ledger_chain (
	id INTEGER NOT NULL, 
	store_id INTEGER NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	seq BIGINT NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_ledger_chain_store_terminal UNIQUE (store_id, terminal), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TRIGGER ledger_event_no_update BEFORE UPDATE ON ledger_event BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER ledger_event_no_replace BEFORE INSERT ON ledger_event WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM ledger_event WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE UNIQUE INDEX uq_serial_unit_live_serial ON serial_unit (serial) WHERE (state = 'in_stock' OR state = 'reserved' OR state = 'in_transit' OR state = 'expected') AND shared_by IS NULL;
CREATE TABLE journal_entry (
	id VARCHAR(36) NOT NULL, 
	seq INTEGER NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	made_at DATETIME NOT NULL, 
	line TEXT NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	answer TEXT, 
	settled_at DATETIME, events_after INTEGER, events_to INTEGER, order_number VARCHAR(64), 
	PRIMARY KEY (id), 
	CONSTRAINT ck_journal_entry_state CHECK (state IN ('pending', 'accepted', 'conflict', 'refused')), 
	UNIQUE (seq)
);
CREATE INDEX ix_journal_entry_state_seq ON journal_entry (state, seq);
CREATE TABLE sync_state (
	"key" VARCHAR(32) NOT NULL, 
	value VARCHAR(200) NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE terminal_link (
	api_terminal VARCHAR(64) NOT NULL, 
	terminal_id VARCHAR(64) NOT NULL, 
	store_id INTEGER NOT NULL, 
	linked_at DATETIME NOT NULL, sealed_from BIGINT, 
	PRIMARY KEY (api_terminal), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE TABLE sync_conflict (
	id INTEGER NOT NULL, 
	entry_id VARCHAR(128) NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	entry_seq INTEGER NOT NULL, 
	store_id INTEGER NOT NULL, 
	product_id INTEGER, 
	serial VARCHAR(64), 
	first_event_id INTEGER, 
	entry_line TEXT NOT NULL, 
	error VARCHAR(32) NOT NULL, 
	message VARCHAR(400) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	resolved_at DATETIME, 
	resolved_by VARCHAR(32), 
	resolution VARCHAR(24), 
	note VARCHAR(200), 
	PRIMARY KEY (id), 
	CONSTRAINT ck_sync_conflict_status CHECK (status IN ('open', 'resolved')), 
	UNIQUE (entry_id), 
	FOREIGN KEY(store_id) REFERENCES store (id), 
	FOREIGN KEY(product_id) REFERENCES product (id), 
	FOREIGN KEY(first_event_id) REFERENCES ledger_event (id)
);
CREATE INDEX ix_sync_conflict_status ON sync_conflict (status);
CREATE INDEX ix_sync_conflict_serial ON sync_conflict (serial);
CREATE TABLE customer (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	phone VARCHAR(40), 
	email VARCHAR(120), 
	address VARCHAR(200), 
	search_key VARCHAR(600) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, "key" VARCHAR(40), 
	PRIMARY KEY (id)
);
CREATE INDEX ix_customer_name ON customer (name);
CREATE TABLE shift (
	id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	store_id INTEGER NOT NULL, 
	terminal VARCHAR(64) NOT NULL, 
	opened_at DATETIME NOT NULL, 
	opened_by VARCHAR(32) NOT NULL, 
	opening_float NUMERIC(12, 2) NOT NULL, 
	closed_at DATETIME, 
	closed_by VARCHAR(32), 
	counted_cash NUMERIC(12, 2), 
	expected_cash NUMERIC(12, 2), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_shift_store_number UNIQUE (store_id, number), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE UNIQUE INDEX uq_shift_open_terminal ON shift (store_id, terminal) WHERE closed_at IS NULL;
CREATE TABLE unit_lease (
	id INTEGER NOT NULL, 
	unit_id INTEGER NOT NULL, 
	store_id INTEGER NOT NULL, 
	terminal_id VARCHAR(64) NOT NULL, 
	taken_by VARCHAR(32) NOT NULL, 
	taken_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (unit_id), 
	FOREIGN KEY(unit_id) REFERENCES serial_unit (id), 
	FOREIGN KEY(store_id) REFERENCES store (id)
);
CREATE INDEX ix_unit_lease_terminal ON unit_lease (terminal_id);
CREATE UNIQUE INDEX ix_customer_key ON customer ("key");
CREATE INDEX ix_customer_updated_at ON customer (updated_at);
CREATE INDEX ix_sale_order_customer_id ON sale_order (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX ix_order_payment_shift_id ON order_payment (shift_id) WHERE shift_id IS NOT NULL;
CREATE TABLE feed_seen (
	seq INTEGER NOT NULL, 
	digest VARCHAR(32) NOT NULL, echo VARCHAR(300), 
	PRIMARY KEY (seq)
);
CREATE TABLE feed_lost (
	id INTEGER NOT NULL, 
	echo VARCHAR(300) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_feed_lost_echo ON feed_lost (echo);
CREATE TABLE "event_feed" (seq INTEGER NOT NULL, event_id INTEGER NOT NULL, store_id INTEGER, PRIMARY KEY (seq), UNIQUE (event_id), FOREIGN KEY(event_id) REFERENCES ledger_event (id));
CREATE INDEX ix_event_feed_store_seq ON event_feed (store_id, seq);
CREATE TRIGGER ledger_event_feed AFTER INSERT ON ledger_event BEGIN INSERT INTO event_feed (seq, event_id, store_id) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM event_feed), NEW.id, NEW.store_id); END;
CREATE INDEX ix_journal_entry_events_to ON journal_entry (events_to);
CREATE INDEX ix_journal_entry_order_number ON journal_entry (order_number);
CREATE INDEX ix_serial_unit_serial_folded ON serial_unit (lower(serial));
CREATE INDEX ix_ledger_event_quantity_moves ON ledger_event (product_id, action) WHERE unit_id IS NULL;
CREATE INDEX ix_apply_outcome_journal_seq ON apply_outcome (terminal, journal_seq) WHERE journal_seq IS NOT NULL;
CREATE INDEX ix_sale_order_delivery_day ON sale_order (store_id, created_at) WHERE delivery = 'delivery';
CREATE UNIQUE INDEX uq_asn_scan_case_pack ON asn_scan (asn_id, case_pack) WHERE case_pack IS NOT NULL;
CREATE TABLE transfer_scan (
	id INTEGER NOT NULL, 
	transfer_id INTEGER NOT NULL, 
	sku VARCHAR(64) NOT NULL, 
	serial VARCHAR(64), 
	quantity INTEGER NOT NULL, 
	scanned_at DATETIME NOT NULL, 
	user_name VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(transfer_id) REFERENCES transfer (id)
);
CREATE INDEX ix_transfer_scan_transfer ON transfer_scan (transfer_id, id);
CREATE UNIQUE INDEX uq_transfer_scan_serial ON transfer_scan (transfer_id, sku, serial) WHERE serial IS NOT NULL;
INSERT INTO "alembic_version" VALUES('0043_transferscans');
