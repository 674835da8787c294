-- Where a dedicated host is (SoftLayer_Virtual_DedicatedHost.datacenter, backendRouter)
-- and what of it is allocated (allocationStatus): softlayer-python's `slcli dedicatedhost
-- list` reads all three of every host and crashed with a traceback when they were left
-- out. Production has them for every host: a host lives in a data centre, behind a
-- backend router. The data centre is catalogue, as a ticket's locationId names it.
ALTER TABLE SoftLayer_Virtual_DedicatedHost ADD COLUMN datacenterId INTEGER;

-- The backend routers, SoftLayer's own hardware rather than an account's (no accountId
-- names one): catalogue, one per catalogue data centre, which every database holds, also
-- one reset empty (store::seed::catalog_sections). A host's backendRouter is its data
-- centre's, so an import names only the data centre. Written here, as the statuses of
-- 0015 are, so that a database made before this migration has them too; the data
-- centres are the catalogue's (fixtures/seed/catalog.json), named as softlayer-go's
-- dedicated host fixtures name routers (bcr01a.wdc07).
CREATE TABLE SoftLayer_Hardware_Router_Backend (
    id INTEGER PRIMARY KEY,
    datacenterId INTEGER NOT NULL,
    hostname TEXT, domain TEXT, fullyQualifiedDomainName TEXT
);
CREATE INDEX hardware_router_backend_datacenter ON SoftLayer_Hardware_Router_Backend(datacenterId);
INSERT INTO SoftLayer_Hardware_Router_Backend (id, datacenterId, hostname, domain, fullyQualifiedDomainName) VALUES
    (1241195, 1441195, 'bcr01a.dal10', 'softlayer.com', 'bcr01a.dal10.softlayer.com'),
    (1265592, 265592, 'bcr01a.ams01', 'softlayer.com', 'bcr01a.ams01.softlayer.com'),
    (1214994, 814994, 'bcr01a.ams03', 'softlayer.com', 'bcr01a.ams03.softlayer.com'),
    (1278335, 1578335, 'bcr01a.par01', 'softlayer.com', 'bcr01a.par01.softlayer.com'),
    (1249494, 449494, 'bcr01a.fra02', 'softlayer.com', 'bcr01a.fra02.softlayer.com');

-- Computed from the host: the emulator keeps no guest on a dedicated host (a guest's
-- dedicatedHost is data it does not keep), so nothing is allocated and all is available.
-- dedicatedHostId is the host's, not a property of the container.
DROP VIEW IF EXISTS SoftLayer_Container_Virtual_DedicatedHost_AllocationStatus;
CREATE VIEW SoftLayer_Container_Virtual_DedicatedHost_AllocationStatus AS
SELECT h.id AS dedicatedHostId,
       h.cpuCount AS cpuCount, 0 AS cpuAllocated, h.cpuCount AS cpuAvailable,
       h.memoryCapacity AS memoryCapacity, 0 AS memoryAllocated, h.memoryCapacity AS memoryAvailable,
       h.diskCapacity AS diskCapacity, 0 AS diskAllocated, h.diskCapacity AS diskAvailable,
       0 AS guestCount
FROM SoftLayer_Virtual_DedicatedHost h;
