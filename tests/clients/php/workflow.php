<?php
/*
 * The SOAP ticket workflow with PHP's ext-soap SoapClient, called the way
 * softlayer-api-php-client calls it.
 *
 * Usage: php workflow.php BASE_URL USERNAME API_KEY BODY_FILE
 *
 * Like that client, it loads {BASE_URL}/soap/v3.1/{Service}?wsdl into a SoapClient,
 * sends every call header as a SoapHeader in the v3.1 namespace holding a stdClass
 * (authenticate {username, apiKey}, {Service}InitParameters {id}, SoftLayer_ObjectMask
 * {mask}, resultLimit {limit, offset}) and calls __soapCall. It runs:
 *
 * 1. SoftLayer_Ticket_Subject::getAllObjects, to pick a subject;
 * 2. SoftLayer_Ticket::createStandardTicket with the (non-ASCII) body of BODY_FILE;
 * 3. SoftLayer_Ticket::getObject of the new ticket with an object mask;
 * 4. SoftLayer_Account::getTickets in pages of two, reading the totalItems output header;
 * 5. SoftLayer_Ticket::getObject of a ticket that does not exist, which must fault.
 *
 * Prints one JSON object on stdout.
 */

const NS = 'http://api.service.softlayer.com/soap/v3.1/';
const MISSING_TICKET = 999999999;
const PAGE = 2;

ini_set('soap.wsdl_cache_enabled', '0');
ini_set('default_socket_timeout', '60');

[, $base, $username, $apiKey, $bodyFile] = $argv;
$body = file_get_contents($bodyFile);
$clients = [];

function client(string $service): SoapClient
{
    global $clients, $base;
    if (!isset($clients[$service])) {
        $clients[$service] = new SoapClient("$base/soap/v3.1/$service?wsdl", [
            'trace' => true,
            'exceptions' => true,
            'cache_wsdl' => WSDL_CACHE_NONE,
        ]);
    }
    return $clients[$service];
}

function header_of(string $name, array $values): SoapHeader
{
    $object = new stdClass();
    foreach ($values as $k => $v) {
        $object->$k = $v;
    }
    return new SoapHeader(NS, $name, $object);
}

/** Calls a method; returns [result, output headers]. */
function call(string $service, string $method, array $args = [], array $opts = []): array
{
    global $username, $apiKey;
    $headers = [header_of('authenticate', ['username' => $username, 'apiKey' => $apiKey])];
    if (isset($opts['init'])) {
        $headers[] = header_of($service . 'InitParameters', ['id' => $opts['init']]);
    }
    if (isset($opts['mask'])) {
        $headers[] = header_of('SoftLayer_ObjectMask', ['mask' => $opts['mask']]);
    }
    if (isset($opts['limit'])) {
        $headers[] = header_of('resultLimit', ['limit' => $opts['limit'][0], 'offset' => $opts['limit'][1]]);
    }
    $outputHeaders = [];
    $result = client($service)->__soapCall($method, $args, null, $headers, $outputHeaders);
    return [$result, $outputHeaders];
}

$out = ['stack' => 'php'];

[$subjects] = call('SoftLayer_Ticket_Subject', 'getAllObjects');
$out['subjects'] = count($subjects);
$subject = $subjects[0];

$template = new stdClass();
$template->subjectId = $subject->id;
$template->title = 'php ticket';
[$created] = call('SoftLayer_Ticket', 'createStandardTicket', [$template, $body]);
$out['created'] = ['id' => $created->id, 'subjectId' => $created->subjectId, 'title' => $created->title];

[$ticket] = call('SoftLayer_Ticket', 'getObject', [], [
    'init' => $created->id,
    'mask' => 'mask[id,title,subjectId,status[name],updates[id,entry]]',
]);
$updates = $ticket->updates;
usort($updates, fn($a, $b) => $a->id <=> $b->id);
$out['object'] = [
    'id' => $ticket->id,
    'title' => $ticket->title,
    'subjectId' => $ticket->subjectId,
    'status' => $ticket->status->name,
    'entries' => array_map(fn($u) => $u->entry, $updates),
];

$pages = [];
$ids = [];
$total = null;
$offset = 0;
while ($total === null || $offset < $total) {
    [$tickets, $headers] = call('SoftLayer_Account', 'getTickets', [], [
        'mask' => 'mask[id]',
        'limit' => [PAGE, $offset],
    ]);
    $total = $headers['totalItems']->amount;
    $page = array_map(fn($t) => $t->id, $tickets ?? []);
    $pages[] = $page;
    array_push($ids, ...$page);
    $offset += PAGE;
    if (!$page || count($pages) > 100) {
        break;
    }
}
$out['total'] = $total;
$out['pages'] = $pages;
$out['ids'] = $ids;

try {
    call('SoftLayer_Ticket', 'getObject', [], ['init' => MISSING_TICKET]);
    $out['fault'] = null;
} catch (SoapFault $e) {
    $out['fault'] = ['code' => $e->faultcode, 'message' => $e->faultstring];
}

echo json_encode($out, JSON_THROW_ON_ERROR), "\n";
