import pytest
import SoftLayer


def test_support_replies_and_the_customer_is_mailed(softlayer_client, softlayer_account, emulator):
    tickets = SoftLayer.TicketManager(softlayer_client)
    ticket = tickets.create_ticket(title="Disk failing", body="bay 2 reports errors", subject=1005)

    # Play SoftLayer's support desk: an employee answers.
    emulator.reply(ticket["id"], "We replaced the disk.", awaiting_response=True)

    detail = tickets.get_ticket(ticket["id"])
    assert detail["updates"][-1]["entry"] == "We replaced the disk."
    mail = emulator.outbox(ticket=ticket["id"], event="EMPLOYEE_UPDATE")
    assert softlayer_account.users[0]["email"] in mail[0]["to"]


def test_a_scheduled_auto_close_closes_the_ticket(softlayer_client, emulator):
    tickets = SoftLayer.TicketManager(softlayer_client)
    emulator.set_clock("2027-01-01T09:00:00-06:00")
    ticket = tickets.create_ticket(title="Old issue", body="please close later", subject=1001)
    softlayer_client["Ticket"].addScheduledAutoClose("2027-01-04T09:00:00-06:00", id=ticket["id"])

    emulator.advance_clock("72h")

    assert tickets.get_ticket(ticket["id"])["status"]["name"] == "Closed"


def test_a_rate_limited_call_raises_and_is_journaled(softlayer_client, softlayer_account, emulator):
    # Scoped to this test's user and account: other tests may share the server.
    emulator.add_fault(user=softlayer_account.username, method="getObject", preset="rate_limit", times=1)

    with pytest.raises(SoftLayer.SoftLayerAPIError) as error:
        softlayer_client["Account"].getObject()

    assert error.value.faultCode == "SoftLayer_Exception_WebService_RateLimitExceeded"
    assert emulator.journal(fault="true", user=softlayer_account.username)[0]["injected"] is not None
    assert softlayer_client["Account"].getObject()["id"]  # the rule was used up
