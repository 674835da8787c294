<?php
/*
 * Legacy object masks from PHP's SoapClient, sent as softlayer-api-php-client sends its
 * call headers: SoapHeaders in the service's namespace.
 *
 * Usage: php legacy_masks.php BASE_URL USERNAME API_KEY TICKET_ID
 *
 * 1. A mask object whose __get makes up a member for every property read, as that
 *    client's ObjectMask class does and its README uses it ($mask->updates;
 *    $mask->attachedHardware->datacenter;), on SoftLayer_Ticket::getObject, then
 *    addUpdate with the same headers (the README's next step).
 * 2. SLDN's legacy-mask article example as nested stdClass objects on
 *    SoftLayer_Account::getObject (openTickets with their assignedUser and updates).
 * Prints one JSON object on stdout: what came back, or the error PHP raised.
 */

const NS = 'http://api.service.softlayer.com/soap/v3.1/';

ini_set('soap.wsdl_cache_enabled', '0');
ini_set('default_socket_timeout', '60');

[, $base, $username, $apiKey, $ticketId] = $argv;

/** A mask that grows a member for every property read (and has no text form). */
class GrowingMask
{
    public function __get($name)
    {
        $this->{$name} = new GrowingMask();
        return $this->{$name};
    }
}

function client(string $base, string $service): SoapClient
{
    return new SoapClient("$base/soap/v3.1/$service?wsdl", ['exceptions' => true, 'trace' => 1]);
}

$auth = new SoapHeader(NS, 'authenticate', (object) ['username' => $username, 'apiKey' => $apiKey]);
$out = [];

try {
    $mask = new GrowingMask();
    $mask->updates;
    $mask->assignedUser;
    $mask->attachedHardware->datacenter;
    $headers = [
        $auth,
        new SoapHeader(NS, 'SoftLayer_TicketInitParameters', (object) ['id' => (int) $ticketId]),
        new SoapHeader(NS, 'SoftLayer_TicketObjectMask', (object) ['mask' => $mask]),
    ];
    $ticket = client($base, 'SoftLayer_Ticket');
    $got = $ticket->__soapCall('getObject', [], null, $headers);
    $out['ticket'] = [
        'id' => $got->id,
        'updates' => count($got->updates ?? []),
        'assignedUser' => isset($got->assignedUser->id),
    ];
    $update = (object) ['entry' => 'Hello from a legacy mask'];
    $added = $ticket->__soapCall('addUpdate', [$update], null, $headers);
    $out['added'] = $added[0]->entry ?? null;
} catch (Throwable $e) {
    $out['ticket_error'] = get_class($e) . ': ' . $e->getMessage();
}

try {
    $mask = new stdClass();
    $mask->openTickets = new stdClass();
    $mask->openTickets->assignedUser = new stdClass();
    $mask->openTickets->updates = new stdClass();
    $mask->userCount = new stdClass();
    $account = client($base, 'SoftLayer_Account');
    $got = $account->__soapCall('getObject', [], null, [
        $auth,
        new SoapHeader(NS, 'SoftLayer_AccountObjectMask', (object) ['mask' => $mask]),
    ]);
    $first = $got->openTickets[0] ?? null;
    $out['account'] = [
        'userCount' => $got->userCount ?? null,
        'openTickets' => count($got->openTickets ?? []),
        'firstHasUpdates' => isset($first->updates),
        'firstHasAssignedUser' => isset($first->assignedUser),
    ];
} catch (Throwable $e) {
    $out['account_error'] = get_class($e) . ': ' . $e->getMessage();
}

echo json_encode($out, JSON_UNESCAPED_UNICODE), "\n";
