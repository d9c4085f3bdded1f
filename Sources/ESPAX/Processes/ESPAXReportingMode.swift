/// What ESPA-X clients are told about their processes (DESIGN §2). It changes only the
/// indications, never the alarm's own life.
public enum ESPAXReportingMode: String, Sendable, Hashable, CaseIterable {
    /// As Callisto does: `IND.P-STARTED`, then `IND.P-ENDED Finished` as soon as the pushes of the
    /// first round are sent, whether or not anyone acknowledges.
    case callisto
    /// An `IND.P-EVENT` per destination that accepted (or failed) and per acknowledgement, and
    /// `IND.P-ENDED` when the alarm itself ends.
    case tracked
}
