// Placeholder until the ESPAX protocol target lands.
enum ESPAXPlaceholder {}
