/// The schema, as the ordered list of forward migrations. Never edit a step that has shipped: add a
/// new one, because files in the field already carry the old step's version number.
///
/// Times are REAL seconds since 2001-01-01 UTC, `Date`'s own reference, so a `Date` comes back
/// bit-for-bit (seconds since 1970 lose the last bit in the conversion). Enums are stored as their
/// raw values. Alarm ids use AUTOINCREMENT so that an id (`SP-PR-TAN`) is never handed out twice,
/// even after pruning removed the newest alarm.
enum Schema {
    static let migrations: [Migration] = [
        Migration(version: 1, summary: "journal and directory", sql: """
            CREATE TABLE alarms (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                revision INTEGER NOT NULL,
                state TEXT NOT NULL,
                end_reason TEXT,
                source_kind TEXT NOT NULL,
                source_name TEXT NOT NULL,
                source_reference TEXT,
                target_kind TEXT NOT NULL,
                target TEXT NOT NULL,
                text TEXT NOT NULL,
                priority TEXT NOT NULL,
                callback_number TEXT,
                routed_group TEXT,
                routing_note TEXT,
                received_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                acknowledged_at REAL,
                acknowledged_by TEXT,
                ended_at REAL,
                ended_by TEXT
            );
            CREATE INDEX alarms_received ON alarms(received_at);
            CREATE INDEX alarms_open ON alarms(received_at) WHERE state <> 'ended';
            CREATE INDEX alarms_ended ON alarms(ended_at) WHERE state = 'ended';
            CREATE INDEX alarms_routed_group ON alarms(routed_group, received_at);
            CREATE INDEX alarms_target ON alarms(target, received_at);
            CREATE INDEX alarms_source_kind ON alarms(source_kind, received_at);
            CREATE INDEX alarms_priority ON alarms(priority, received_at);

            CREATE TABLE journal (
                id INTEGER PRIMARY KEY,
                alarm_id INTEGER NOT NULL REFERENCES alarms(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                kind TEXT NOT NULL,
                phone_id INTEGER,
                status TEXT,
                detail TEXT,
                actor TEXT,
                group_number TEXT,
                destinations INTEGER,
                attempt INTEGER,
                repetition INTEGER
            );
            CREATE INDEX journal_alarm ON journal(alarm_id, id);

            CREATE TABLE deliveries (
                alarm_id INTEGER NOT NULL REFERENCES alarms(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                phone_id INTEGER NOT NULL,
                member_id INTEGER,
                name TEXT NOT NULL,
                driver TEXT NOT NULL,
                address TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                repetitions INTEGER NOT NULL,
                last_outcome TEXT,
                updated_at REAL NOT NULL,
                PRIMARY KEY (alarm_id, position)
            ) WITHOUT ROWID;
            CREATE INDEX deliveries_phone ON deliveries(phone_id, alarm_id);

            CREATE TABLE phones (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                driver TEXT NOT NULL,
                address TEXT NOT NULL
            );
            CREATE INDEX phones_address ON phones(address);

            CREATE TABLE members (
                id INTEGER PRIMARY KEY,
                user_name TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                phone_id INTEGER NOT NULL REFERENCES phones(id),
                presence TEXT NOT NULL,
                presence_message TEXT NOT NULL
            );
            CREATE INDEX members_phone ON members(phone_id);

            CREATE TABLE alarm_groups (
                id INTEGER PRIMARY KEY,
                number TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL UNIQUE,
                rule TEXT NOT NULL,
                repetitions INTEGER NOT NULL,
                repeat_interval INTEGER NOT NULL
            );

            CREATE TABLE group_members (
                group_id INTEGER NOT NULL REFERENCES alarm_groups(id) ON DELETE CASCADE,
                member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                PRIMARY KEY (group_id, member_id)
            ) WITHOUT ROWID;
            CREATE INDEX group_members_member ON group_members(member_id);

            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL
            );
            """),
        // A group's escalation chain lives in its row: the numbers are validated to digits and
        // + * #, so a comma separates them unambiguously. `number` on the journal holds the number an
        // escalation call went to.
        Migration(version: 2, summary: "escalation chains and escalation calls", sql: """
            ALTER TABLE alarm_groups ADD COLUMN escalation_delay INTEGER;
            ALTER TABLE alarm_groups ADD COLUMN escalation_no_answer_time INTEGER;
            ALTER TABLE alarm_groups ADD COLUMN escalation_numbers TEXT;
            ALTER TABLE alarm_groups ADD COLUMN escalation_answer_acknowledges INTEGER;
            ALTER TABLE journal ADD COLUMN number TEXT;
            """),
    ]
}
