// The XML samples of seed 001_d4a00689c9dcf157.txt (Eltex ECSS-10 CSTA API), numbered as there.
// The seed was extracted from a PDF, which broke long lines anywhere, even inside tags
// (`<` newline `/deviceIdentifier>`) and namespace URIs. Each broken line is joined back to the
// previous one here, and nothing else is changed; (and one space restored where a break separated two attributes).

enum EltexSeed {
    /// 1. Start application session request XML:
    static let startApplicationSession = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<StartApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session" xmlns:ns1="http://www.eltex.org/csta">
  <applicationInfo>
    <applicationID>Eltex ECSS-10 CSTA adapter</applicationID>
    <applicationSpecificInfo>
      <ns1:SessionLoginInfo xmlns:ns1="http://www.eltex.org/csta">
        <ns1:userName>p.city</ns1:userName>
        <ns1:password>1234</ns1:password>
      </ns1:SessionLoginInfo>
    </applicationSpecificInfo>
  </applicationInfo>
  <requestedProtocolVersions>
    <protocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3</protocolVersion>
  </requestedProtocolVersions>
  <requestedSessionDuration>300</requestedSessionDuration>
</StartApplicationSession>
"""#

    /// 2. Start application session positive response XML:
    static let startApplicationSessionPosResponse = #"""
<?xml version="1.0"?>
<StartApplicationSessionPosResponse xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-354/appl_session start-application-session.xsd">
  <sessionID>f76e5fe9c5e0d444</sessionID>
  <actualProtocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3</actualProtocolVersion>
  <actualSessionDuration>300</actualSessionDuration>
</StartApplicationSessionPosResponse>
"""#

    /// 3. Prolong application session request XML:
    static let resetApplicationSessionTimer = #"""
<?xml version="1.0"?>
<ResetApplicationSessionTimer xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-354/appl_session reset-application-session-timer.xsd">
  <sessionID>f76e5fe9c5e0d444</sessionID>
  <requestedSessionDuration>500</requestedSessionDuration>
</ResetApplicationSessionTimer>
"""#

    /// 4. Prolong application session positive response XML:
    static let resetApplicationSessionTimerPosResponse = #"""
<?xml version="1.0"?>
<ResetApplicationSessionTimerPosResponse xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-354/appl_session reset-application-session-timer.xsd">
  <actualSessionDuration>500</actualSessionDuration>
</ResetApplicationSessionTimerPosResponse>
"""#

    /// 5. Stop application session request XML:
    static let stopApplicationSession = #"""
<StopApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session">
  <sessionID>f76e5fe9c5e0d444</sessionID>
  <sessionEndReason>
    <definedEndReason>normal</definedEndReason>
  </sessionEndReason>
</StopApplicationSession>
"""#

    /// 6. Stop application session positive request XML:
    static let stopApplicationSessionPosResponse = #"""
<?xml version="1.0"?>
<StopApplicationSessionPosResponse xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-354/appl_session stop-application-session.xsd"/>
"""#

    /// 7. Subscribe on events from device with number 725 request XML:
    static let monitorStart = #"""
<MonitorStart xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <monitorObject>
    <deviceObject typeOfNumber="dialingNumber">725</deviceObject>
  </monitorObject>
  <requestedMonitorFilter>
    <callcontrol>
      <bridged>true</bridged>
      <callCleared>false</callCleared>
      <conferenced>false</conferenced>
      <connectionCleared>false</connectionCleared>
      <delivered>false</delivered>
      <digitsDialed>true</digitsDialed>
      <diverted>true</diverted>
      <established>false</established>
      <failed>true</failed>
      <held>true</held>
      <networkCapabilitiesChanged>true</networkCapabilitiesChanged>
      <networkReached>true</networkReached>
      <offered>true</offered>
      <originated>false</originated>
      <queued>true</queued>
      <retrieved>true</retrieved>
      <serviceInitiated>false</serviceInitiated>
      <transferred>false</transferred>
    </callcontrol>
  </requestedMonitorFilter>
</MonitorStart>
"""#

    /// 8. Subscribe on events from device with number 725 response XML:
    static let monitorStartResponse = #"""
<?xml version="1.0"?>
<MonitorStartResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 monitor-start.xsd">
  <monitorCrossRefID>DMON:f76e605590f2bc03</monitorCrossRefID>
</MonitorStartResponse>
"""#

    /// 9. ServiceInitiatedEvent - out call from monitored number:
    static let serviceInitiatedEvent = #"""
<?xml version="1.0"?>
<ServiceInitiatedEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 service-initiated-event.xsd">
  <monitorCrossRefID>DMON:f76e9c86851a2adc</monitorCrossRefID>
  <initiatedConnection>
    <deviceID typeOfNumber="dialingNumber">725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA==</deviceID>
    <callID>f76e9d66720eb32d</callID>
  </initiatedConnection>
  <initiatingDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA==</deviceIdentifier>
  </initiatingDevice>
  <calledDevice>
    <notKnown/>
  </calledDevice>
  <cause>newCall</cause>
</ServiceInitiatedEvent>
"""#

    /// 10. DeliveredEvent
    static let deliveredEvent = #"""
<?xml version="1.0"?>
<DeliveredEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 delivered-event.xsd">
  <monitorCrossRefID>DMON:f76e9c7a2075e497</monitorCrossRefID>
  <connection>
    <deviceID typeOfNumber="dialingNumber">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXIlYw==</deviceID>
    <callID>f76e9d66720eb32d</callID>
  </connection>
  <alertingDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXIlYw==</deviceIdentifier>
  </alertingDevice>
  <callingDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA==</deviceIdentifier>
  </callingDevice>
  <calledDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXIlYw==</deviceIdentifier>
  </calledDevice>
  <lastRedirectionDevice>
    <notKnown/>
  </lastRedirectionDevice>
  <cause>newCall</cause>
</DeliveredEvent>
"""#

    /// 11. EstablishedEvent
    static let establishedEvent = #"""
<?xml version="1.0"?>
<EstablishedEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 established-event.xsd">
  <monitorCrossRefID>DMON:f76e9c7a2075e497</monitorCrossRefID>
  <establishedConnection>
    <deviceID typeOfNumber="dialingNumber">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVWVwVXIlYw==</deviceID>
    <callID>f76e9d66720eb32d</callID>
  </establishedConnection>
  <answeringDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVWVwVXIlYw==</deviceIdentifier>
  </answeringDevice>
  <callingDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVWVwVXIlYw==</deviceIdentifier>
  </callingDevice>
  <calledDevice>
    <notKnown/>
  </calledDevice>
  <lastRedirectionDevice>
    <notKnown/>
  </lastRedirectionDevice>
  <cause>normal</cause>
</EstablishedEvent>
"""#

    /// 12. OriginatedEvent
    static let originatedEvent = #"""
<?xml version="1.0"?>
<OriginatedEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 originated-event.xsd">
  <monitorCrossRefID>DMON:f76e9c86851a2adc</monitorCrossRefID>
  <originatedConnection>
    <deviceID typeOfNumber="dialingNumber">725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA==</deviceID>
    <callID>f76e9d66720eb32d</callID>
  </originatedConnection>
  <callingDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">725:::MV80MTQ4Nzg5MjgwQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk3ODIyMzA2MDQ1MDMxMDIw#MzE3MDY1Nzk5NA==</deviceIdentifier>
  </callingDevice>
  <calledDevice>
    <notKnown/>
  </calledDevice>
  <localConnectionInfo>connected</localConnectionInfo>
  <cause>normal</cause>
</OriginatedEvent>
"""#

    /// 13. ConnectionClearedEvent
    static let connectionClearedEvent = #"""
<?xml version="1.0"?>
<ConnectionClearedEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 connection-cleared-event.xsd">
  <monitorCrossRefID>DMON:f76e9c7a2075e497</monitorCrossRefID>
  <droppedConnection>
    <deviceID typeOfNumber="dialingNumber">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXXIlYw==</deviceID>
    <callID>f76e9d66720eb32d</callID>
  </droppedConnection>
  <releasingDevice>
    <deviceIdentifier typeOfNumber="dialingNumber" mediaClass="notKnown" bitRate="constant">722:::QkE6Zjc2ZTlkNjY3MjBlYjMyZDpmNzZlOWQ3MDE2MWNmM2Q3#ZWNzc08xNTEwNzk3ODIyNDgyMTE2MDExODI3MTE=#MUZtNVFIVVwVXXIlYw==</deviceIdentifier>
  </releasingDevice>
  <cause>normalClearing</cause>
  <extensions>
    <privateData>
      <string>release_initiator=system;</string>
    </privateData>
  </extensions>
</ConnectionClearedEvent>
"""#

    /// 14. Make out call request XML:
    static let makeCall = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<MakeCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callingDevice typeOfNumber="dialingNumber">725</callingDevice>
  <calledDirectoryNumber typeOfNumber="dialingNumber">722</calledDirectoryNumber>
</MakeCall>
"""#

    /// 15. Make out call response XML:
    static let makeCallResponse = #"""
<?xml version="1.0"?>
<MakeCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 make-call.xsd">
  <callingDevice>
    <deviceID typeOfNumber="dialingNumber">725:::QkE6Zjc2ZjI1NDBlYmU5MGY0NjpmNzZmMjU0MjUwYTazODl1#ZWNzc08xNTEwNzk4NDA1ODI3ODI4MDE2MTE2MTE=#MTEyMzg5MDIxMQ==</deviceID>
    <callID>f76f2540ebe90f46</callID>
  </callingDevice>
</MakeCallResponse>
"""#

    /// 16. Hold call request XML:
    static let holdCall = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<HoldCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callToBeHeld>
    <deviceID typeOfNumber="dialingNumber">725:::QkE6Zjc2ZjI1NDBlYmU5MGY0NjpmNzZmMjU0MjUwYTazODl1#ZWNzc08xNTEwNzk4NDA1ODI3ODI4MDE2MTE2MTE=#MTEyMzg5MDIxMQ==</deviceID>
    <callID>f76f2540ebe90f46</callID>
  </callToBeHeld>
  <connectionReservation>false</connectionReservation>
</HoldCall>
"""#

    /// 17. Hold call response XML:
    static let holdCallResponse = #"""
<?xml version="1.0"?>
<HoldCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 hold-call.xsd"/>
"""#

    /// 18. UnHold call request XML:
    static let retrieveCall = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<RetrieveCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callToBeRetrieved>
    <deviceID typeOfNumber="dialingNumber">725:::QkE6Zjc2ZjI1NDBlYmU5MGY0NjpmNzZmMjU0MjUwYTazODI1l#ZWNzc08xNTEwNzk4NDA1ODI3ODI4MDE2MTE2MTE=#MTEyMzg5MDIxMQ==</deviceID>
    <callID>f76f2540ebe90f46</callID>
  </callToBeRetrieved>
</RetrieveCall>
"""#

    /// 19. UnHold call response XML:
    static let retrieveCallResponse = #"""
<?xml version="1.0"?>
<RetrieveCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 retrieve-call.xsd"/>
"""#

    /// 20. Clear connection request XML:
    static let clearConnection = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ClearConnection xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <connectionToBeCleared>
    <deviceID typeOfNumber="dialingNumber">722:::QkE6Zjc2ZjUzZDlhODk3NzIyODpmNzZmNTNlM2QzMjVmNGJh#ZWNzc08xNTEwNzk4NjA2MTEwMDUzMDE3NTg2MTE=#MzVhdnl1OXJ5MTgzZQ==</deviceID>
    <callID>f76f53d9a8977228</callID>
  </connectionToBeCleared>
</ClearConnection>
"""#

    /// 21. Clear connection response XML:
    static let clearConnectionResponse = #"""
<?xml version="1.0"?>
<ClearConnectionResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 clear-connection.xsd"/>
"""#

    /// 22. Clear call request XML:
    static let clearCall = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ClearCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callToBeCleared>
    <deviceID typeOfNumber="dialingNumber">722:::QkE6Zjc2ZjY1OWYzZWZWMxOGY1NTpmNzZmNjVhOTc2MDhiZjU1l#ZWNzc08xNTEwNzk4NjgyNDM5NTg0MDE4MTY0MTE=#akQ2RlM0NURLN3B2Yw==</deviceID>
    <callID>f76f659f3ec18f55</callID>
  </callToBeCleared>
</ClearCall>
"""#

    /// 23. Clear call response XML:
    static let clearCallResponse = #"""
<?xml version="1.0"?>
<ClearCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 clear-call.xsd"/>
"""#

    /// 24. Get calls on device request XML:
    static let snapshotDevice = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<SnapshotDevice xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <snapshotObject typeOfNumber="dialingNumber">725</snapshotObject>
</SnapshotDevice>
"""#

    /// 25. Get calls on device response XML:
    static let snapshotDeviceResponse = #"""
<?xml version="1.0"?>
<SnapshotDeviceResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 snapshot-device.xsd">
  <crossRefIDorSnapshotData>
    <snapshotData>
      <snapshotDeviceResponseInfo>
        <connectionIdentifier>
          <deviceID typeOfNumber="dialingNumber">725:::MV8xNDYlMzg4MjgyQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk4NzkyMTAwODI5MDMxMDMw#NDAzODU3NTA5OQ==</deviceID>
          <callID>f76f7f32a8b2112e</callID>
        </connectionIdentifier>
        <localCallState>
          <compoundCallState>
            <localConnectionState>alerting</localConnectionState>
            <localConnectionState>alerting</localConnectionState>
          </compoundCallState>
        </localCallState>
      </snapshotDeviceResponseInfo>
    </snapshotData>
  </crossRefIDorSnapshotData>
</SnapshotDeviceResponse>
"""#

    /// 26. Answer call request XML:
    static let answerCall = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<AnswerCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <callToBeAnswered>
    <deviceID typeOfNumber="dialingNumber">725:::QkE6Zjc2Zjk4MjgyQDEwLjEwMC4xMDEuMjY=#ZWNzc0kxNTEwNzk4ODk4ODgzOTA1MDE5NzQ5MTE=#MzEzMjc2MjM0NA==</deviceID>
    <callID>f76f9803860c26df</callID>
  </callToBeAnswered>
</AnswerCall>
"""#

    /// 27. Answer call response XML:
    static let answerCallResponse = #"""
<?xml version="1.0"?><AnswerCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 answer-call.xsd"/>
"""#

    /// 28. Transfer call request XML:
    static let singleStepTransferCall = #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<SingleStepTransferCall xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
  <activeCall>
    <deviceID typeOfNumber="dialingNumber">725:::QkE6Zjc2ZmI2ZDRhNjViNzE0NzpmNzZmYjZkNjZmNjY2YTRi#ZWNzc08xNTEwNzk5MDMxMDgyOTg4MDIwNzYzMTE=#MzUyODQwMTIyNg==</deviceID>
    <callID>f76fb6d4a65b7147</callID>
  </activeCall>
  <transferredTo typeOfNumber="dialingNumber">723</transferredTo>
</SingleStepTransferCall>
"""#

    /// 29. Transfer call response XML:
    static let singleStepTransferCallResponse = #"""
<?xml version="1.0"?> <SingleStepTransferCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.ecma-international.org/standards/ecma-323/csta/ed3 single-step-transfer.xsd"> <transferredCall>
<deviceID typeOfNumber="dialingNumber">723:::QkE6Zjc2ZmI2ZDRhNjViNzE0NzpmNzZmYjZkNjZmNjY2YTRi#ZWNzc08xNTEwNzk5MDM0MDY4MDEyMDIwNzk4MTE=#S3JlVWMzY0tRYVpVRA==</deviceID> <callID>f76fb6d4a65b7147</callID> </transferredCall> </SingleStepTransferCallResponse>
"""#

}
