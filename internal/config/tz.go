package config

// The zone database is compiled in so vtiger.business.quotes.timeZone
// validates (and quotes expire) the same on a host without /usr/share/zoneinfo,
// such as a distroless container.
import _ "time/tzdata"
